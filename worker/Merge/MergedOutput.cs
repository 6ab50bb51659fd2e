using SpeechPairs.Contract;
using System.Text;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.Merge;

/// <summary>
/// Writes the merged lines to a temporary file beside the destination and renames it into place when complete, so
/// a reader (or a later run) never sees half a file; temporary files of earlier, killed merges are removed first.
/// JSONL.gz is written as gzip members of a fixed number of lines, so the bytes depend only on the lines.
/// </summary>
internal sealed class MergedOutput : IDisposable
{
    /// <summary>Lines per gzip member: big enough to compress well, small enough to bound memory.</summary>
    public const int LinesPerMember = 1000;

    private readonly string _destination;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly bool _gzip;
    private readonly MemoryStream _member = new();
    private int _memberLines;
    private bool _committed;

    public MergedOutput(string destination, bool gzip)
    {
        _destination = Path.GetFullPath(destination);
        _gzip = gzip;
        Directory.CreateDirectory(Path.GetDirectoryName(_destination)!);
        RemoveStaleTemporaries(_destination);
        _temporary = TemporaryName(_destination);
        _stream = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    /// <summary>The stream for a writer of another format (Parquet) that writes the temporary file itself.</summary>
    public Stream Stream => _stream;

    public void Add(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        if (!_gzip)
        {
            _stream.Write(bytes);
            return;
        }
        _member.Write(bytes);
        if (++_memberLines == LinesPerMember)
            FlushMember();
    }

    /// <summary>Makes the temporary file complete and durable; <see cref="MoveIntoPlace"/> then publishes it.</summary>
    public void Complete()
    {
        if (_gzip)
            FlushMember();
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
    }

    /// <summary>Renames the completed file over the destination.</summary>
    public void MoveIntoPlace()
    {
        File.Move(_temporary, _destination, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!_committed)
            File.Delete(_temporary);
    }

    private void FlushMember()
    {
        if (_memberLines == 0)
            return;
        _stream.Write(GzipMember.Encode(_member.GetBuffer().AsSpan(0, (int)_member.Length)));
        _member.SetLength(0);
        _memberLines = 0;
    }

    private static string TemporaryName(string destination) => MergedOutputSet.Temporary(destination);

    /// <summary>Temporary files of merges that were killed (this is the only writer of the destination).</summary>
    private static void RemoveStaleTemporaries(string destination)
    {
        var folder = Path.GetDirectoryName(destination)!;
        foreach (var stale in Directory.EnumerateFiles(folder, MergedOutputSet.TemporaryPattern(destination)))
            File.Delete(stale);
    }
}
