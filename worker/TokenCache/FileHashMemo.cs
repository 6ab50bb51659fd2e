using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// SHA-256 of files, remembered by (full path, size, last write time) in a small text file beside the cache, so that
/// every worker does not read the 881 MB bundle again just to fingerprint it (about 2 s each, more on a busy NFS).
/// The memo is a hint: a missing, unreadable or unwritable one only costs the hashing, and it is replaced atomically,
/// so workers that race on it leave one complete version. A file changed without a new size or time would be
/// missed; model files are downloaded or copied whole, which always gives them a new time.
/// </summary>
internal sealed class FileHashMemo
{
    private readonly string? _memoPath;
    private readonly Dictionary<string, (long Size, long Ticks, string Hash)> _known = new(StringComparer.Ordinal);
    private bool _changed;

    /// <param name="memoPath">Where the memo lives; null hashes every time.</param>
    public FileHashMemo(string? memoPath)
    {
        _memoPath = memoPath;
        if (memoPath is null)
            return;
        try
        {
            foreach (var line in File.ReadLines(memoPath))
            {
                var fields = line.Split('\t', 4);
                if (fields.Length == 4 && long.TryParse(fields[1], CultureInfo.InvariantCulture, out var size) &&
                    long.TryParse(fields[2], CultureInfo.InvariantCulture, out var ticks) && fields[0].Length == 64)
                    _known[fields[3]] = (size, ticks, fields[0]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No memo yet, or not readable: hash.
        }
    }

    /// <summary>The file's SHA-256 as lowercase hex; throws when the file cannot be read.</summary>
    public string Hash(string path)
    {
        var file = new FileInfo(Path.GetFullPath(path));
        var size = file.Length;
        var ticks = file.LastWriteTimeUtc.Ticks;
        if (_known.TryGetValue(file.FullName, out var known) && known.Size == size && known.Ticks == ticks)
            return known.Hash;
        string hash;
        using (var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        _known[file.FullName] = (size, ticks, hash);
        _changed = true;
        return hash;
    }

    /// <summary>Writes the memo back if anything was hashed; best effort.</summary>
    public void Save()
    {
        if (_memoPath is null || !_changed)
            return;
        var text = new StringBuilder();
        foreach (var (path, (size, ticks, hash)) in _known.OrderBy(k => k.Key, StringComparer.Ordinal))
            text.Append(CultureInfo.InvariantCulture, $"{hash}\t{size}\t{ticks}\t{path}\n");
        try
        {
            var temporary = _memoPath + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
            File.WriteAllText(temporary, text.ToString());
            File.Move(temporary, _memoPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache folder: the next worker hashes again.
        }
    }
}
