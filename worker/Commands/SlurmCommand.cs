using System.CommandLine;
using System.Runtime.InteropServices;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Slurm;

namespace SpeechPairs.Worker.Commands;

/// <summary>
/// <c>worker slurm run|submit|cancel</c>: the job on a Slurm cluster. The job scripts run the steps of the spec as the
/// worker's own commands (<c>worker STEP --job WorkDir/job.json</c>), so a Slurm task runs the same shard a local run would.
/// </summary>
internal static class SlurmCommand
{
    public static Command Create(WorkerContext context)
    {
        var slurm = new Command("slurm", "Run the job on a Slurm cluster with the Slurm client commands on PATH (sbatch, squeue, scontrol, scancel).");
        slurm.Subcommands.Add(CreateRunOrSubmit(context, submit: false));
        slurm.Subcommands.Add(CreateRunOrSubmit(context, submit: true));
        slurm.Subcommands.Add(CreateCancel(context));
        return slurm;
    }

    private static Command CreateRunOrSubmit(WorkerContext context, bool submit)
    {
        var job = JobOption.Create();
        job.Required = true;
        var jobsFile = new Option<string?>("--jobs-file") { HelpName = "FILE", Description = "Append each submitted job id to this file (for `worker slurm cancel`)." };
        var parentPid = new Option<int?>("--parent-pid") { HelpName = "PID", Description = "Cancel this run's jobs and exit once this process no longer exists." };
        var command = submit
            ? new Command("submit", "Queue the job's steps on Slurm (extraction -> shard array -> a job for merge, verify and report) with afterok dependencies, print the job ids and return at once.")
            : new Command("run", "Submit extraction and the shard array, wait (polling squeue), print progress, resubmit failed tasks; exit 0 when every shard is done.");
        foreach (var option in new Option[] { job, jobsFile, parentPid })
            command.Options.Add(option);
        command.SetAction(parse => context.Run("slurm " + command.Name, () =>
        {
            var jobFile = Path.GetFullPath(parse.GetValue(job)!);
            var spec = JobOption.Read(parse, job)!;
            var exe = spec.Slurm.WorkerExe();
            if (!File.Exists(exe))
                throw new WorkerFailureException($"the worker for the compute nodes does not exist: {exe}");
            // Every step is the worker's own command with the spec: the job scripts spell no setting.
            IReadOnlyList<string>? extractArgs = spec.Steps.Contains(JobStep.Extract) && NeedsExtraction(spec.Archive!, spec.ExtractDir)
                ? JobStep.Extract.Arguments(jobFile)
                : null;
            var finalSteps = spec.Steps.Where(s => s is JobStep.Merge or JobStep.Verify or JobStep.Report).Select(s => s.Arguments(jobFile)).ToList();
            var run = new SlurmRun(spec.WorkDir, exe, extractArgs, JobStep.Shards.Arguments(jobFile), finalSteps, spec.Procs);
            var slurm = spec.Slurm;
            var options = new SlurmOptions(slurm.Partition, slurm.Account, slurm.Qos, slurm.Time, slurm.MemPerTask, slurm.CpusPerTask,
                slurm.MaxRunning, [.. slurm.Args], slurm.Retries, Math.Max(0.2, slurm.PollSeconds));
            var driver = new SlurmDriver(run, options, new SlurmClient(), () => PendingShards(spec), context.Output, parse.GetValue(jobsFile));
            if (submit)
            {
                var ids = driver.Submit();
                context.Output.WriteLine($"Submitted Slurm jobs {string.Join(" -> ", ids)}; this command returns now and the jobs go on without it.");
                context.Output.WriteLine($"Follow them with: squeue -j {string.Join(",", ids)}   or   dotnet msbuild pipeline.proj -t:Progress (same WorkDir); logs in {run.SlurmDir}");
                return ExitCodes.Success;
            }
            return RunWaiting(driver, parse.GetValue(parentPid), context);
        }));
        return command;
    }

    private static Command CreateCancel(WorkerContext context)
    {
        var jobsFile = new Option<string>("--jobs-file") { HelpName = "FILE", Description = "The job ids a `slurm run` appended.", Required = true };
        var command = new Command("cancel", "scancel the jobs listed in a run's jobs file (and only those).");
        command.Options.Add(jobsFile);
        command.SetAction(parse => context.Run("slurm cancel", () =>
        {
            var path = parse.GetRequiredValue(jobsFile);
            var ids = File.Exists(path) ? File.ReadAllLines(path).Where(l => l.Length > 0 && l.All(char.IsAsciiDigit)).ToArray() : [];
            if (ids.Length > 0)
            {
                new SlurmClient().Cancel(ids);
                context.Output.WriteLine($"Cancelled the Slurm jobs of this run: {string.Join(", ", ids)}.");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Runs the driver; Ctrl+C, SIGTERM or the parent's death cancel this run's jobs before the process exits.</summary>
    private static int RunWaiting(SlurmDriver driver, int? parentPid, WorkerContext context)
    {
        using var cancel = new CancellationTokenSource();
        var exitCode = ExitCodes.Failed;
        void Stop(int code)
        {
            exitCode = code;
            cancel.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Stop(ExitCodes.Interrupted); });
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Stop(ExitCodes.Terminated); });
        using var watcher = parentPid is { } pid
            ? new ParentProcessWatcher(pid, TimeSpan.FromSeconds(1), context.IsProcessAlive, () => Stop(ExitCodes.ParentExited))
            : null;
        try
        {
            driver.Run(cancel.Token);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException)
        {
            driver.CancelSubmitted();
            context.Error.WriteLine("worker slurm run: stopped; the jobs of this run were cancelled");
            return exitCode;
        }
    }

    private static bool NeedsExtraction(string archive, string extractDir) =>
        ExtractionSentinel.TryRead(Path.Combine(extractDir, ExtractionSentinel.FileName)) is not { } sentinel || !sentinel.Matches(archive);

    /// <summary>Shards without a done record of this job's identity.</summary>
    private static IReadOnlyList<int> PendingShards(JobSpec spec) =>
        Enumerable.Range(0, spec.Procs).Where(i => DoneRecord.TryRead(spec.Shard(i).Done)?.SettingsHash != spec.Identity).ToArray();
}
