using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker;

/// <summary>
/// Every setting that decides the bytes of a shard's output, folded into one hash that the done record and the
/// progress document carry. A shard whose record holds another hash is not finished work for this job: it runs
/// again from scratch. Thread counts are left out on purpose (they may only move near-tie codes); the extraction's
/// sentinel is folded in, so a re-extracted archive re-runs every shard.
/// </summary>
public static class ShardSettings
{
    public static string Hash(
        string extractDir,
        string tokenizerDir,
        ShardSelection shard,
        bool gzip,
        bool excludePlaceholder,
        double? maxDurationSeconds,
        double batchSeconds,
        float dither,
        bool trim,
        string device)
    {
        var extract = Path.GetFullPath(extractDir);
        var sentinel = Path.Combine(extract, ExtractionSentinel.FileName);
        var text = new StringBuilder()
            .Append("extract=").Append(extract).Append('\n')
            .Append("extraction=").Append(File.Exists(sentinel) ? File.ReadAllText(sentinel) : "(none)").Append('\n')
            .Append("tokenizer=").Append(Path.GetFullPath(tokenizerDir)).Append('\n')
            .Append(CultureInfo.InvariantCulture, $"shards={shard.Count}\n")
            .Append(CultureInfo.InvariantCulture, $"gzip={gzip}\nplaceholder={excludePlaceholder}\nmax={maxDurationSeconds?.ToString("R", CultureInfo.InvariantCulture) ?? "none"}\n")
            .Append(CultureInfo.InvariantCulture, $"batch={batchSeconds:R}\ndither={dither:R}\ntrim={trim}\ndevice={device}\n")
            .ToString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
