using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Progress;

namespace SpeechPairs.Worker.Slurm;

/// <summary>
/// Runs the job on a Slurm cluster: extraction as one job, then one job array with a task per shard that has no done
/// record for these settings (each task runs <c>worker shard --resume</c> for the shard named by its task id), polling
/// the queue and printing the progress table until every shard is done; failed tasks are resubmitted up to
/// <see cref="SlurmOptions.Retries"/> times. <see cref="Submit"/> instead queues the same chain with a final merge job
/// and returns. Ctrl+C or SIGTERM while waiting cancels the jobs this run submitted, and only those.
/// </summary>
/// <param name="pendingShards">The shards without a done record for the current settings, computed afresh on each call
/// (the settings hash includes the extraction, which the extraction job changes).</param>
/// <param name="jobsFile">Where each submitted job id is appended at once, so the pipeline can cancel this run's jobs
/// even if this process is killed (<c>worker slurm cancel</c>).</param>
public sealed class SlurmDriver(SlurmRun run, SlurmOptions options, SlurmClient client, Func<IReadOnlyList<int>> pendingShards, TextWriter log, string? jobsFile = null)
{
    private const string ShardStep = "shard";
    private readonly List<string> _submitted = [];
    private readonly Lock _gate = new();

    /// <summary>Where the job scripts and logs go.</summary>
    public string SlurmDir => run.SlurmDir;

    /// <summary>Runs to the end: every shard done (exit 0), or a failure naming each shard, job, state and log.</summary>
    public void Run(CancellationToken cancel)
    {
        if (run.ExtractArguments is { } extract)
        {
            var id = SubmitStep("extract", [extract], dependency: null, options.CommonArguments("speechpairs-extract", run.LogPattern("extract", false)));
            log.WriteLine($"Submitted the extraction as Slurm job {id} (log {run.LogFile("extract", id, null)}).");
            Wait(id, showProgress: false, cancel);
            var state = client.States(id).FirstOrDefault();
            if (state is null || !state.Completed)
                throw new WorkerFailureException(
                    $"the extraction job {id} ended {state?.State ?? "without a state"}{ExitText(state)}; see {run.LogFile("extract", id, null)}");
        }

        var failures = new Dictionary<int, (string JobId, SlurmTaskState? State)>();
        for (var attempt = 0; attempt <= options.Retries; attempt++)
        {
            var pending = pendingShards();
            if (pending.Count == 0)
                break;
            if (attempt > 0)
                log.WriteLine($"Resubmitting {Plural(pending.Count, "shard")} that did not finish (retry {attempt} of {options.Retries}).");
            var id = SubmitArray(pending, dependency: null);
            Wait(id, showProgress: true, cancel);
            var states = client.States(id).Where(s => s.ArrayTaskId is not null).ToDictionary(s => s.ArrayTaskId!.Value);
            foreach (var shard in pending)
                failures[shard] = (id, states.GetValueOrDefault(shard));
        }

        var unfinished = pendingShards();
        if (unfinished.Count == 0)
        {
            log.WriteLine($"All {Plural(run.ShardCount, "shard")} are done.");
            return;
        }
        foreach (var shard in unfinished)
        {
            var (jobId, state) = failures.GetValueOrDefault(shard);
            log.WriteLine($"{ShardFiles.Describe(shard, run.ShardCount)}: Slurm job {jobId}_{shard} ended {state?.State ?? "without a state"}{ExitText(state)}; " +
                          $"log {run.LogFile(ShardStep, jobId, shard)}");
        }
        throw new WorkerFailureException(
            $"{Plural(unfinished.Count, "shard")} of {run.ShardCount} failed on Slurm after {Plural(options.Retries, "retry", "retries")} " +
            $"(shards {string.Join(", ", unfinished.Take(20))}); see the lines above and {run.SlurmDir}");
    }

    /// <summary>Queues extraction → shard array → final merge with afterok dependencies and returns the job ids at once.</summary>
    public IReadOnlyList<string> Submit()
    {
        string? dependency = null;
        var ids = new List<string>();
        if (run.ExtractArguments is { } extract)
        {
            dependency = SubmitStep("extract", [extract], null, options.CommonArguments("speechpairs-extract", run.LogPattern("extract", false)));
            ids.Add(dependency);
            log.WriteLine($"Submitted the extraction as Slurm job {dependency}.");
        }
        // With an extraction coming every shard's settings change, so every shard runs.
        var pending = run.ExtractArguments is null ? pendingShards() : Enumerable.Range(0, run.ShardCount).ToArray();
        if (pending.Count > 0)
        {
            dependency = SubmitArray(pending, dependency);
            ids.Add(dependency);
        }
        var merge = SubmitStep("merge", run.MergeArguments, dependency, options.CommonArguments("speechpairs-merge", run.LogPattern("merge", false)));
        ids.Add(merge);
        log.WriteLine($"Submitted the merge as Slurm job {merge} (log {run.LogFile("merge", merge, null)}).");
        return ids;
    }

    /// <summary>Cancels every job this run submitted (never another run's); safe to call from a signal handler.</summary>
    public void CancelSubmitted()
    {
        string[] ids;
        lock (_gate)
            ids = [.. _submitted];
        if (ids.Length == 0)
            return;
        client.Cancel(ids);
        log.WriteLine($"Cancelled the Slurm jobs of this run: {string.Join(", ", ids)}.");
    }

    private string SubmitArray(IReadOnlyList<int> shards, string? dependency)
    {
        var array = string.Join(",", shards.Select(s => s.ToString(CultureInfo.InvariantCulture)))
                    + (options.MaxRunning > 0 ? "%" + options.MaxRunning.ToString(CultureInfo.InvariantCulture) : "");
        IReadOnlyList<string> arguments = [.. run.ShardArguments, "--shard-index", SlurmJobScript.ArrayTaskIndex, "--resume"];
        var id = SubmitStep(ShardStep, [arguments], dependency,
            [.. options.CommonArguments("speechpairs-shards", run.LogPattern(ShardStep, true)), .. options.ShardArguments(), "--array=" + array]);
        log.WriteLine($"Submitted {Plural(shards.Count, "shard task")} as Slurm job array {id} (--array={array}; logs {run.SlurmDir}).");
        return id;
    }

    private string SubmitStep(string step, IEnumerable<IReadOnlyList<string>> commands, string? dependency, IEnumerable<string> sbatchArguments)
    {
        var script = SlurmJobScript.Write(Path.Combine(run.SlurmDir, step + ".sh"), run.WorkerExe, commands);
        IEnumerable<string> all = dependency is null
            ? sbatchArguments
            : [.. sbatchArguments, "--dependency=afterok:" + dependency, "--kill-on-invalid-dep=yes"];
        var id = client.Submit(script, all);
        lock (_gate)
        {
            _submitted.Add(id);
            if (jobsFile is not null)
                File.AppendAllText(jobsFile, id + "\n");
        }
        return id;
    }

    private void Wait(string jobId, bool showProgress, CancellationToken cancel)
    {
        var poll = TimeSpan.FromSeconds(options.PollSeconds);
        while (client.InQueue(jobId))
        {
            if (cancel.WaitHandle.WaitOne(poll))
                throw new OperationCanceledException(cancel);
            if (showProgress)
                PrintProgress();
        }
        if (showProgress)
            PrintProgress();
    }

    private void PrintProgress()
    {
        var shards = WorkDirProgress.Read(run.WorkDir, run.ShardCount);
        foreach (var line in ProgressTable.Render(shards, DateTime.UtcNow))
            log.WriteLine(line);
    }

    private static string ExitText(SlurmTaskState? state) =>
        state is null || state.ExitCode.Length == 0 || state.ExitCode == "0:0" ? "" : $" (exit code {state.ExitCode})";

    private static string Plural(int count, string noun, string? plural = null) =>
        $"{count} {(count == 1 ? noun : plural ?? noun + "s")}";
}
