using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Progress;

/// <summary>Reads where every shard of a run in a work folder stands, from its progress documents and done records.</summary>
public static class WorkDirProgress
{
    /// <summary>
    /// The shards of the run with <paramref name="shardCount"/> shards, or of the most recently updated run when it is
    /// null; empty when no shard has reported yet.
    /// </summary>
    public static IReadOnlyList<(ProgressDocument? Progress, bool Finished)> Read(string workDir, int? shardCount)
    {
        workDir = Path.GetFullPath(workDir);
        var reports = Directory.Exists(workDir)
            ? Directory.GetFiles(workDir, ShardFiles.ProgressPattern)
                .Select(path => (path, ok: ShardFiles.TryParseName(path, out var index, out var count), index, count))
                .Where(f => f.ok)
                .ToList()
            : [];
        var count = shardCount ?? reports.OrderByDescending(f => File.GetLastWriteTimeUtc(f.path)).Select(f => (int?)f.count).FirstOrDefault();
        if (count is not { } n)
            return [];
        var shards = new (ProgressDocument?, bool)[n];
        for (var index = 0; index < n; index++)
        {
            var report = reports.FirstOrDefault(f => f.count == n && f.index == index).path;
            var progress = report is null ? null : ProgressDocument.TryRead(report);
            var done = File.Exists(ShardFiles.InWorkDir(workDir, index, n, gzip: true).Done)
                       || File.Exists(ShardFiles.InWorkDir(workDir, index, n, gzip: false).Done);
            shards[index] = (progress, done);
        }
        return shards;
    }
}
