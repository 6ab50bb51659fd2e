using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Worker.Plan;

/// <summary>Computes <see cref="JobIdentity"/> from the file system: the bundle's file hashes (remembered in the work folder) and the extraction.</summary>
public static class JobIdentities
{
    /// <summary>Where the bundle's file hashes are remembered, so a run does not read the whole bundle each time.</summary>
    public static string MemoIn(string workDir) => Path.Combine(workDir, ".bundle-hashes.tsv");

    /// <summary>The identity of a planned run: the extraction it will make (from the archive), or the folder it uses.</summary>
    public static string Of(JobSpec spec) => Compute(
        spec.SkipExtract ? JobIdentity.OfExtractDir(spec.ExtractDir) : JobIdentity.OfArchive(spec.Archive!),
        spec.TokenizerDir, MemoIn(spec.WorkDir), spec.Procs, ShardFiles.ShardsAreGzip(spec.Out), spec.ExcludePlaceholder,
        spec.MaxDuration, spec.BatchSeconds, spec.Dither, spec.Trim, spec.Device);

    /// <summary>The identity of a shard run by hand (no job spec): the extraction as its sentinel records it.</summary>
    public static string ForShard(string extractDir, string tokenizerDir, string memoPath, int shardCount, bool gzip, bool excludePlaceholder,
        double? maxDuration, double batchSeconds, float dither, bool trim, string device) =>
        Compute(JobIdentity.OfExtractDir(extractDir), tokenizerDir, memoPath, shardCount, gzip, excludePlaceholder, maxDuration, batchSeconds, dither, trim, device);

    private static string Compute(string extraction, string tokenizerDir, string memoPath, int shardCount, bool gzip, bool excludePlaceholder,
        double? maxDuration, double batchSeconds, float dither, bool trim, string device)
    {
        var memo = new FileHashMemo(memoPath);
        // A file that cannot be read fails the run when the models load, with its own message; here it is only "unreadable".
        var hashes = TokenizerIdentity.BundleHashes(tokenizerDir, path => HashOrUnreadable(memo, path));
        memo.Save();
        return JobIdentity.Compute(extraction, hashes, shardCount, gzip, excludePlaceholder, maxDuration, batchSeconds, dither, trim, device.ToLowerInvariant());
    }

    private static string HashOrUnreadable(FileHashMemo memo, string path)
    {
        try
        {
            return memo.Hash(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unreadable";
        }
    }
}
