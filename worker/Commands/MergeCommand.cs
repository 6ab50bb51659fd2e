using System.CommandLine;
using SpeechPairs.Worker.Merge;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker merge</c>: the finished shards of a work folder into the merged output, in the global pair order.</summary>
internal static class MergeCommand
{
    public static Command Create(WorkerContext context)
    {
        var workDir = new Option<string>("--work-dir")
        {
            Description = "The folder holding shard-I-of-N.jsonl(.gz) and their .done records.",
            Required = true,
            HelpName = "DIR",
        };
        var shardCount = new Option<int>("--shard-count")
        {
            Description = "N: how many shards the run has; every one of them must have its done record.",
            Required = true,
            HelpName = "N",
        };
        var output = new Option<string>("--out")
        {
            Description = "The merged pairs: .jsonl.gz (gzip members of 1000 lines), .jsonl, or .parquet (zstd, row groups of 50,000 rows). Errors go to <out>.errors.jsonl.",
            Required = true,
            HelpName = "FILE",
        };
        var command = new Command("merge",
            "Merge finished shards into one file in the global pair order (byte-identical for any shard count); " +
            "totals come from the shards' done records. Written to a temporary file and renamed into place.");
        command.Options.Add(workDir);
        command.Options.Add(shardCount);
        command.Options.Add(output);
        command.SetAction(parse => context.Run("merge", () =>
        {
            var count = parse.GetValue(shardCount);
            if (count < 1)
                throw new UsageException($"--shard-count must be at least 1 (got {count})");
            var merger = new ShardMerger(parse.GetRequiredValue(workDir), count, parse.GetRequiredValue(output));
            context.Output.WriteLine(merger.Merge().ToLine());
            return ExitCodes.Success;
        }));
        return command;
    }
}
