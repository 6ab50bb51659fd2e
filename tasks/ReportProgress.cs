using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Prints the progress table of the most recent run in a work folder. Only reads files, so it can run
/// while the pipeline builds in another terminal.
/// </summary>
public sealed class ReportProgress : Task
{
    /// <summary>The pipeline's work folder.</summary>
    [Required] public string WorkDir { get; set; } = "";

    public override bool Execute()
    {
        string workDir = Path.GetFullPath(WorkDir);
        var files = Directory.Exists(workDir)
            ? Directory.GetFiles(workDir, ShardFiles.ProgressPattern)
                .Select(path => (path, ok: ShardFiles.TryParseProgressName(path, out int index, out int count), index, count))
                .Where(f => f.ok)
                .ToList()
            : [];
        if (files.Count == 0)
        {
            Log.LogMessage(MessageImportance.High, $"No shard has reported progress in '{workDir}' yet.");
            return true;
        }

        // The most recently updated shard tells the shard count of the current run.
        int count = files.OrderByDescending(f => File.GetLastWriteTimeUtc(f.path)).First().count;
        var shards = new (ShardProgress?, bool)[count];
        for (int index = 0; index < count; index++)
        {
            string? file = files.FirstOrDefault(f => f.count == count && f.index == index).path;
            shards[index] = (file is null ? null : ShardProgress.TryRead(file),
                             File.Exists(ShardFiles.Sentinel(workDir, index, count)));
        }

        Log.LogMessage(MessageImportance.High, $"Progress of {count} shards in '{workDir}' at {DateTime.Now:HH:mm:ss}:");
        foreach (string line in ProgressTable.Render(shards, DateTime.UtcNow))
            Log.LogMessage(MessageImportance.High, line);
        return true;
    }
}
