using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Slurm;

/// <summary>What a Slurm run does: the steps, as worker command lines, and where its files go.</summary>
/// <param name="WorkDir">The work folder on the shared filesystem.</param>
/// <param name="WorkerExe">The published self-contained worker that job scripts run.</param>
/// <param name="ExtractArguments"><c>extract</c> arguments, or null when nothing needs extracting.</param>
/// <param name="ShardArguments"><c>shard</c> arguments without <c>--shard-index</c> (the array task's id fills it in).</param>
/// <param name="MergeArguments">The arguments of each step the final job runs (merge, then verify and report), for <c>submit</c>.</param>
public sealed record SlurmRun(
    string WorkDir,
    string WorkerExe,
    IReadOnlyList<string>? ExtractArguments,
    IReadOnlyList<string> ShardArguments,
    IReadOnlyList<IReadOnlyList<string>> MergeArguments,
    int ShardCount)
{
    public string SlurmDir => SlurmFiles.FolderIn(WorkDir);

    /// <summary>Log file pattern of a job (<c>%A_%a</c>: array job id and task id; <c>%j</c> for plain jobs).</summary>
    public string LogPattern(string step, bool array) => Path.Combine(SlurmDir, array ? $"{step}-%A_%a.log" : $"{step}-%j.log");

    /// <summary>The log of one task, as Slurm names it from <see cref="LogPattern"/>.</summary>
    public string LogFile(string step, string arrayJobId, int? task) =>
        Path.Combine(SlurmDir, task is { } t ? $"{step}-{arrayJobId}_{t}.log" : $"{step}-{arrayJobId}.log");
}
