using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Lists the shards of a run as items, with file names from the shard contract: the item is the shard's output file,
/// its metadata the shard's index, done record and log. Every target gets shard file names from here.
/// </summary>
public sealed class PlanShards : Task
{
    /// <summary>The folder for shard outputs, done records and logs.</summary>
    [Required] public string WorkDir { get; set; } = "";

    /// <summary>How many shards (the Procs property).</summary>
    [Required] public int ShardCount { get; set; }

    /// <summary>The path of the merged output; the shards write .jsonl for a .jsonl output, else .jsonl.gz.</summary>
    [Required] public string MergedOutput { get; set; } = "";

    /// <summary>Comma-separated shard indices this machine runs (ShardIndices); empty: all of them.</summary>
    public string? ShardIndices { get; set; }

    /// <summary>Every shard: items with metadata ShardIndex, ShardCount, DoneFile, LogFile.</summary>
    [Output] public ITaskItem[] Shards { get; private set; } = [];

    /// <summary>The shards to run here: all, or those named by <see cref="ShardIndices"/>.</summary>
    [Output] public ITaskItem[] Selected { get; private set; } = [];

    public override bool Execute()
    {
        if (ShardCount < 1)
        {
            Log.LogError($"The shard count must be at least 1 (Procs={ShardCount}).");
            return false;
        }

        if (!MergedOutput.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase) && !MergedOutput.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
            && !MergedOutput.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            Log.LogError($"Out must end in .jsonl.gz, .jsonl or .parquet: '{MergedOutput}'.");
            return false;
        }

        var gzip = ShardFiles.ShardsAreGzip(MergedOutput);
        Shards = Enumerable.Range(0, ShardCount).Select(index =>
        {
            var files = ShardFiles.InWorkDir(WorkDir, index, ShardCount, gzip);
            var item = new TaskItem(files.Output);
            item.SetMetadata("ShardIndex", index.ToString(CultureInfo.InvariantCulture));
            item.SetMetadata("ShardCount", ShardCount.ToString(CultureInfo.InvariantCulture));
            item.SetMetadata("DoneFile", files.Done);
            item.SetMetadata("LogFile", ShardFiles.Log(WorkDir, index, ShardCount));
            return (ITaskItem)item;
        }).ToArray();

        if (string.IsNullOrWhiteSpace(ShardIndices))
        {
            Selected = Shards;
            return true;
        }
        var selected = new SortedSet<int>();
        foreach (var part in ShardIndices.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= ShardCount)
            {
                Log.LogError($"ShardIndices must list shard indices from 0 to {ShardCount - 1} separated by commas; '{part}' is not one (ShardIndices='{ShardIndices}').");
                return false;
            }
            selected.Add(index);
        }
        Selected = selected.Select(i => Shards[i]).ToArray();
        return true;
    }
}
