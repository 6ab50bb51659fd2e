using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SpeechPairs.Contract;

/// <summary>
/// The one content identity of a job's output: the extraction (the archive's name, size and time, never where it or
/// the extract folder is mounted), the tokenizer bundle's file contents, and the settings that decide the bytes. No
/// absolute path is part of it, so a shard finished on any machine at any mount path is this job's finished work.
/// Thread counts are left out (they move no code: torch runs one intra-op thread per lane on the CPU; OnnxThreads is in
/// the token cache's key, the tokenizer's <c>TokenizerIdentity</c>, which builds on the same bundle hashes).
/// </summary>
public static class JobIdentity
{
    /// <summary>The identity of an extraction from the archive itself: what its sentinel will record.</summary>
    public static string OfArchive(string archive)
    {
        var info = new FileInfo(archive);
        return string.Create(CultureInfo.InvariantCulture, $"archive {info.Name} {info.Length} {info.LastWriteTimeUtc.Ticks}");
    }

    /// <summary>The identity of an extraction from its sentinel, or of a folder used as it is (SkipExtract) by its name.</summary>
    public static string OfExtractDir(string extractDir)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(extractDir));
        if (ExtractionSentinel.TryRead(Path.Combine(full, ExtractionSentinel.FileName)) is { } sentinel)
            return string.Create(CultureInfo.InvariantCulture, $"archive {Path.GetFileName(sentinel.Archive)} {sentinel.Size} {sentinel.LastWriteUtc.Ticks}");
        return "folder " + Path.GetFileName(full);
    }

    /// <param name="extraction">From <see cref="OfArchive"/> or <see cref="OfExtractDir"/>.</param>
    /// <param name="bundleFiles">SHA-256 of each bundle file by its name in the bundle.</param>
    public static string Compute(
        string extraction,
        IEnumerable<KeyValuePair<string, string>> bundleFiles,
        int shardCount,
        bool gzipShards,
        bool excludePlaceholder,
        double? maxDuration,
        double batchSeconds,
        float dither,
        bool trim,
        string device)
    {
        var text = new StringBuilder("speechpairs/job-identity/1\n").Append(extraction).Append('\n');
        foreach (var (name, hash) in bundleFiles.OrderBy(f => f.Key, StringComparer.Ordinal))
            text.Append(name).Append(' ').Append(hash).Append('\n');
        text.Append(CultureInfo.InvariantCulture,
            $"shards={shardCount}\ngzip={gzipShards}\nplaceholder={excludePlaceholder}\nmax={maxDuration?.ToString("R", CultureInfo.InvariantCulture) ?? "none"}\n" +
            $"batch={batchSeconds:R}\ndither={BitConverter.SingleToInt32Bits(dither):x8}\ntrim={trim}\ndevice={device}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
