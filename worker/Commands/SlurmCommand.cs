using System.CommandLine;
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
        slurm.Subcommands.Add(CreateSubmitted(context));
        return slurm;
    }

    private static Command CreateRunOrSubmit(WorkerContext context, bool submit)
    {
        var job = JobOption.Create();
        job.Required = true;
        var jobsFile = new Option<string?>("--jobs-file") { HelpName = "FILE", Description = "Append each submitted job id to this file (for `worker slurm cancel`)." };
        var parentPid = ParentPidOption.Create("Cancel this run's jobs and exit once this process no longer exists.");
        var command = submit
            ? new Command("submit", "Queue the job's steps on Slurm (extraction -> shard array -> a job for merge, verify and report) with afterok dependencies, " +
                                    "record their ids in WorkDir/slurm/submitted.jobs (the WorkDir lock refuses other runs while they are queued or running), print them and return at once.")
            : new Command("run", "Submit extraction and the shard array, wait (polling squeue), print progress, resubmit failed tasks; exit 0 when every shard is done.");
        foreach (var option in submit ? new Option[] { job } : [job, jobsFile, parentPid])
            command.Options.Add(option);
        command.SetAction(parse => submit
            ? context.Run("slurm submit", () => Submit(parse, job, context))
            // A stop cancels the jobs this run submitted (scancel) before the process exits.
            : context.RunHosted("slurm run", () => ParentPidOption.Read(parse, parentPid), Unwind, stopping =>
            {
                var driver = Driver(parse, job, parse.GetValue(jobsFile), context);
                try
                {
                    driver.Run(stopping);
                    return ExitCodes.Success;
                }
                catch (Exception) when (stopping.IsCancellationRequested)
                {
                    driver.CancelSubmitted();
                    throw;
                }
            }));
        return command;
    }

    // Time for scancel to answer for the jobs of a stopped run.
    private static readonly TimeSpan Unwind = TimeSpan.FromSeconds(60);

    private static SlurmDriver Driver(ParseResult parse, Option<string?> job, string? jobsFile, WorkerContext context)
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
        return new SlurmDriver(run, options, new SlurmClient(), () => PendingShards(spec), context.Output, jobsFile);
    }

    /// <summary>Queues the chain; each id goes to the work folder's submitted list as it is queued, so the lock knows them all.</summary>
    private static int Submit(ParseResult parse, Option<string?> job, WorkerContext context)
    {
        var submitted = SlurmFiles.SubmittedIn(JobOption.Read(parse, job)!.WorkDir);
        // The WorkDir lock removed a list whose jobs are gone, and refused this run while any was still queued.
        Directory.CreateDirectory(Path.GetDirectoryName(submitted)!);
        File.Delete(submitted);
        var driver = Driver(parse, job, submitted, context);
        var ids = driver.Submit();
        context.Output.WriteLine($"Submitted Slurm jobs {string.Join(" -> ", ids)}; this command returns now and the jobs go on without it.");
        context.Output.WriteLine($"Follow them with: squeue -j {string.Join(",", ids)}   or   dotnet msbuild pipeline.proj -t:Progress (same WorkDir); logs in {driver.SlurmDir}");
        return ExitCodes.Success;
    }

    private static Command CreateCancel(WorkerContext context)
    {
        var jobsFile = new Option<string>("--jobs-file") { HelpName = "FILE", Description = "The job ids a `slurm run` appended.", Required = true };
        var command = new Command("cancel", "scancel the jobs listed in a run's jobs file (and only those).");
        command.Options.Add(jobsFile);
        command.SetAction(parse => context.Run("slurm cancel", () =>
        {
            var path = parse.GetRequiredValue(jobsFile);
            var ids = SlurmFiles.ReadJobIds(path);
            if (ids.Count > 0)
            {
                new SlurmClient().Cancel(ids);
                context.Output.WriteLine($"Cancelled the Slurm jobs of this run: {string.Join(", ", ids)}.");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>
    /// The WorkDir lock's question (LockWorkDir): are jobs that <c>-t:Submit</c> queued on this work folder still queued
    /// or running? Then exit 1 naming them; once none is, the list is stale and is removed (exit 0).
    /// </summary>
    private static Command CreateSubmitted(WorkerContext context)
    {
        var workDir = new Option<string>("--work-dir") { HelpName = "DIR", Description = "The work folder.", Required = true };
        var command = new Command("submitted",
            "Exit 1, naming them, while a job that `slurm submit` queued on this work folder is queued or running; once none is, remove its list and exit 0.");
        command.Options.Add(workDir);
        command.SetAction(parse => context.Run("slurm submitted", () =>
        {
            var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(parse.GetRequiredValue(workDir)));
            var list = SlurmFiles.SubmittedIn(folder);
            var ids = SlurmFiles.ReadJobIds(list);
            IReadOnlyList<string> queued;
            try
            {
                queued = ids.Count == 0 ? [] : new SlurmClient().Queued(ids);
            }
            catch (WorkerFailureException e)
            {
                // Not knowing is no proof that they have ended.
                throw new WorkerFailureException($"WorkDir '{folder}' has Slurm jobs {string.Join(", ", ids)} submitted by -t:Submit, and Slurm could not say " +
                                                 $"whether they still run ({e.Message}); run this where squeue works, or delete {list} once they have ended");
            }
            if (queued.Count == 0)
            {
                File.Delete(list);
                return ExitCodes.Success;
            }
            context.Error.WriteLine($"error: WorkDir '{folder}' is in use by Slurm jobs {string.Join(", ", queued)} submitted by -t:Submit; wait for them or scancel them.");
            return ExitCodes.Failed;
        }));
        return command;
    }

    private static bool NeedsExtraction(string archive, string extractDir) =>
        ExtractionSentinel.TryRead(Path.Combine(extractDir, ExtractionSentinel.FileName)) is not { } sentinel || !sentinel.Matches(archive);

    /// <summary>Shards without a done record of this job's identity.</summary>
    private static IReadOnlyList<int> PendingShards(JobSpec spec) =>
        Enumerable.Range(0, spec.Procs).Where(i => DoneRecord.TryRead(spec.Shard(i).Done)?.SettingsHash != spec.Identity).ToArray();
}
