using SpeechPairs.Contract;
using System.CommandLine;
using SpeechPairs.Worker.Merge;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker merge</c>: the finished shards of a work folder into the merged output, in the global pair order.</summary>
internal static class MergeCommand
{
    public static Command Create(WorkerContext context)
    {
        var job = JobOption.Create();
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "The folder holding shard-I-of-N.jsonl(.gz) and their .done records. (Without --job: required.)",
            HelpName = "DIR",
        };
        var shardCount = new Option<int?>("--shard-count")
        {
            Description = "N: how many shards the run has; every one of them must have its done record. (Without --job: required.)",
            HelpName = "N",
        };
        var output = new Option<string?>("--out")
        {
            Description = "The merged pairs: .jsonl.gz (gzip members of 1000 lines), .jsonl, or .parquet (zstd, row groups of 50,000 rows). " +
                          "Errors go to <out>" + ErrorsFile.Suffix + ", the merge record (written last) to <out>.merge.json. (Without --job: required.)",
            HelpName = "FILE",
        };
        var tokenCache = new Option<string?>("--token-cache")
        {
            Description = "Add the clips the shards tokenized (<shard>.cache.jsonl) to this SQLite token cache, in one transaction, " +
                          "replacing the file atomically. A file that is not a SpeechPairs token cache (or is one of a newer schema) " +
                          "fails the merge before it starts; a damaged cache is moved aside to FILE.damaged-<UTC time>. A cache " +
                          "that cannot be written is reported and never fails the merge.",
            HelpName = "FILE",
        };
        var command = new Command("merge",
            "Merge finished shards into one file in the global pair order (byte-identical for any shard count); " +
            "totals come from the shards' done records. Written under temporary names, renamed into place, then the merge record.");
        command.Options.Add(job);
        command.Options.Add(workDir);
        command.Options.Add(shardCount);
        command.Options.Add(output);
        command.Options.Add(tokenCache);
        command.SetAction(parse => context.RunHosted("merge", () =>
        {
            var spec = JobOption.Read(parse, job);
            var count = spec?.Procs ?? parse.GetValue(shardCount) ?? throw new UsageException("give --job or --shard-count");
            if (count < 1)
                throw new UsageException($"--shard-count must be at least 1 (got {count})");
            var work = spec?.WorkDir ?? parse.GetValue(workDir) ?? throw new UsageException("give --job or --work-dir");
            var merged = spec?.Out ?? parse.GetValue(output) ?? throw new UsageException("give --job or --out");
            var cachePath = spec is null ? parse.GetValue(tokenCache) : spec.TokenCache;
            if (cachePath is not null)
                TokenCacheCheck.BeforeWork(cachePath);
            var merger = new ShardMerger(work, count, merged);
            context.Output.WriteLine(MergeSummary.Line(merger.Merge(), new MergedOutputSet(Path.GetFullPath(merged))));
            if (cachePath is not null)
                AddToCache(cachePath, work, count, merged, context);
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The merge is the cache's one writer; a cache that cannot be written costs only the reuse next time.</summary>
    private static void AddToCache(string cachePath, string workDir, int count, string merged, WorkerContext context)
    {
        var gzip = SpeechPairs.Contract.ShardFiles.ShardsAreGzip(merged);
        var entries = Enumerable.Range(0, count)
            .Select(i => SpeechPairs.Contract.ShardFiles.InWorkDir(workDir, i, count, gzip).CacheEntries)
            .Where(File.Exists)
            .ToList();
        try
        {
            var result = TokenCacheWriter.AddEntries(cachePath, entries, context.Output);
            context.Output.WriteLine($"Token cache {cachePath}: {result.Added} clips added, {result.AlreadyPresent} already there" +
                                     (result.Invalid > 0 ? $", {result.Invalid} unreadable entries skipped" : "") + ".");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException or TokenCacheFileException)
        {
            context.Output.WriteLine($"warning: the token cache {cachePath} was not updated ({Messages.FirstLine(e.Message)}); the merged output is complete");
        }
    }
}
