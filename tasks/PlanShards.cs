using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Lists the shards of a run as items: the item is the shard's output file, its metadata the shard's
/// index and other files. Every target gets shard file names from here.
/// </summary>
public sealed class PlanShards : Task
{
    /// <summary>The folder for shard outputs, sentinels and logs.</summary>
    [Required] public string WorkDir { get; set; } = "";

    /// <summary>How many shards (the Procs property).</summary>
    [Required] public int ShardCount { get; set; }

    /// <summary>The path of the merged output; its extension (.jsonl.gz or .jsonl) is the shards' too.</summary>
    [Required] public string MergedOutput { get; set; } = "";

    /// <summary>Items with metadata ShardIndex, ShardCount, Sentinel, ErrorsFile, ProgressFile, LogFile.</summary>
    [Output] public ITaskItem[] Shards { get; private set; } = [];

    public override bool Execute()
    {
        if (ShardCount < 1)
        {
            Log.LogError($"The shard count must be at least 1 (Procs={ShardCount}).");
            return false;
        }
        if (JsonlFormat.Of(MergedOutput) is not string extension)
        {
            Log.LogError($"Out must end in .jsonl.gz or .jsonl: '{MergedOutput}'.");
            return false;
        }

        string workDir = Path.GetFullPath(WorkDir);
        Shards = Enumerable.Range(0, ShardCount).Select(index =>
        {
            string output = ShardFiles.Output(workDir, index, ShardCount, extension);
            var item = new TaskItem(output);
            item.SetMetadata("ShardIndex", index.ToString());
            item.SetMetadata("ShardCount", ShardCount.ToString());
            item.SetMetadata("Sentinel", ShardFiles.Sentinel(workDir, index, ShardCount));
            item.SetMetadata("ErrorsFile", ShardFiles.Errors(output));
            item.SetMetadata("ProgressFile", ShardFiles.Progress(output));
            item.SetMetadata("LogFile", ShardFiles.Log(workDir, index, ShardCount));
            return (ITaskItem)item;
        }).ToArray();
        return true;
    }
}
