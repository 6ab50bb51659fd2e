using System.Globalization;

namespace SpeechPairs.Worker.Slurm;

/// <summary>The cluster settings of a Slurm run (the pipeline's Slurm* properties).</summary>
/// <param name="ExtraArgs">Further sbatch arguments, passed one by one (never through a shell).</param>
/// <param name="Retries">How many times a failed shard task is resubmitted before the run fails.</param>
public sealed record SlurmOptions(
    string? Partition,
    string? Account,
    string? Qos,
    string? Time,
    string? MemPerTask,
    int CpusPerTask,
    int MaxRunning,
    IReadOnlyList<string> ExtraArgs,
    int Retries,
    double PollSeconds)
{
    /// <summary>The sbatch options every job of the run gets.</summary>
    public IEnumerable<string> CommonArguments(string jobName, string logPattern)
    {
        yield return "--job-name=" + jobName;
        yield return "--output=" + logPattern;
        yield return "--open-mode=append";
        if (!string.IsNullOrEmpty(Partition)) yield return "--partition=" + Partition;
        if (!string.IsNullOrEmpty(Account)) yield return "--account=" + Account;
        if (!string.IsNullOrEmpty(Qos)) yield return "--qos=" + Qos;
        if (!string.IsNullOrEmpty(Time)) yield return "--time=" + Time;
        foreach (var argument in ExtraArgs)
            yield return argument;
    }

    /// <summary>The options of a shard task: one task per node share, with the measured memory.</summary>
    public IEnumerable<string> ShardArguments()
    {
        yield return "--ntasks=1";
        yield return "--cpus-per-task=" + CpusPerTask.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(MemPerTask)) yield return "--mem=" + MemPerTask;
    }
}
