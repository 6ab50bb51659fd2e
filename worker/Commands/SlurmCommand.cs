using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Slurm;

namespace SpeechPairs.Worker.Commands;

/// <summary>
/// <c>worker slurm run|submit|cancel</c>: the job on a Slurm cluster. The shard options come after <c>--</c> exactly as
/// <c>worker shard</c> takes them (without index, count or output: the driver adds those), so a Slurm task runs the
/// same shard a local run would.
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
        var workDir = new Option<string>("--work-dir") { Description = "The work folder, on a filesystem every node sees.", Required = true, HelpName = "DIR" };
        var shardCount = new Option<int>("--shard-count") { Description = "Number of shards (array tasks).", Required = true, HelpName = "N" };
        var workerExe = new Option<string>("--worker-exe")
        {
            Description = "The self-contained worker the job scripts run (the pipeline publishes it into WorkDir/tools/).",
            Required = true,
            HelpName = "FILE",
        };
        var output = new Option<string>("--out") { Description = "The merged output (.jsonl.gz, .jsonl or .parquet).", Required = true, HelpName = "FILE" };
        var archive = new Option<string?>("--archive") { Description = "Extract this archive into --extract-dir first, as one Slurm job (skipped when already extracted).", HelpName = "FILE" };
        var extractDir = new Option<string>("--extract-dir") { Description = "The extracted tree (also passed to every shard).", Required = true, HelpName = "DIR" };
        var managed = new Option<bool>("--managed") { Description = "Extract with the managed extractor even when 7-Zip is on the node's PATH." };
        var partition = new Option<string?>("--partition") { HelpName = "NAME", Description = "sbatch --partition." };
        var account = new Option<string?>("--account") { HelpName = "NAME", Description = "sbatch --account." };
        var qos = new Option<string?>("--qos") { HelpName = "NAME", Description = "sbatch --qos." };
        var time = new Option<string?>("--time") { HelpName = "LIMIT", Description = "sbatch --time for every job, e.g. 2-00:00:00." };
        var mem = new Option<string?>("--mem-per-task") { HelpName = "SIZE", Description = "sbatch --mem of a shard task, e.g. 3G.", DefaultValueFactory = _ => "3G" };
        var cpus = new Option<int>("--cpus-per-task") { HelpName = "N", Description = "sbatch --cpus-per-task of a shard task.", DefaultValueFactory = _ => 2 };
        var maxRunning = new Option<int>("--max-running") { HelpName = "N", Description = "At most this many shard tasks at once (--array=…%N); 0: no limit." };
        var sbatchArgs = new Option<string[]>("--sbatch-arg") { HelpName = "ARG", Description = "A further sbatch argument (repeatable), passed as it is, never through a shell.", AllowMultipleArgumentsPerToken = false };
        var retries = new Option<int>("--retries") { HelpName = "N", Description = "Resubmit a failed shard task this many times before failing.", DefaultValueFactory = _ => 1 };
        var poll = new Option<double>("--poll-seconds") { HelpName = "SEC", Description = "Seconds between queue polls (and progress tables).", DefaultValueFactory = _ => 30 };
        var jobsFile = new Option<string?>("--jobs-file") { HelpName = "FILE", Description = "Append each submitted job id to this file (for `worker slurm cancel`)." };
        var parentPid = new Option<int?>("--parent-pid") { HelpName = "PID", Description = "Cancel this run's jobs and exit once this process no longer exists." };
        var noVerify = new Option<bool>("--no-verify") { Description = "submit: the final job only merges (no worker verify)." };
        var noReport = new Option<bool>("--no-report") { Description = "submit: the final job writes no report." };
        var shardArguments = new Argument<string[]>("SHARD-OPTIONS")
        {
            Description = "After --: the options of `worker shard` (tokenizer dir, placeholder, trim, dither, threads…), without index, count and output.",
            Arity = ArgumentArity.ZeroOrMore,
        };

        var command = submit
            ? new Command("submit", "Queue extraction -> shard array -> merge with afterok dependencies, print the job ids and return at once.")
            : new Command("run", "Submit extraction and the shard array, wait (polling squeue), print progress, resubmit failed tasks; exit 0 when every shard is done.");
        foreach (var option in new Option[] { workDir, shardCount, workerExe, output, archive, extractDir, managed, partition, account, qos, time, mem, cpus, maxRunning, sbatchArgs, retries, poll, jobsFile, parentPid, noVerify, noReport })
            command.Options.Add(option);
        command.Arguments.Add(shardArguments);
        command.SetAction(parse => context.Run("slurm " + command.Name, () =>
        {
            var count = parse.GetValue(shardCount);
            if (count < 1)
                throw new UsageException($"--shard-count must be at least 1 (got {count})");
            var work = Path.GetFullPath(parse.GetRequiredValue(workDir));
            var merged = Path.GetFullPath(parse.GetRequiredValue(output));
            var extract = Path.GetFullPath(parse.GetRequiredValue(extractDir));
            var exe = Path.GetFullPath(parse.GetRequiredValue(workerExe));
            if (!File.Exists(exe))
                throw new WorkerFailureException($"the worker for the compute nodes does not exist: {exe}");
            IReadOnlyList<string> shardArgs =
            [
                .. parse.GetValue(shardArguments) ?? [], "--extract-dir", extract, "--work-dir", work,
                "--shard-count", count.ToString(CultureInfo.InvariantCulture), .. ShardFiles.ShardsAreGzip(merged) ? Array.Empty<string>() : ["--plain"],
            ];
            // Parsed by the shard command itself: bad options fail here, before anything is queued.
            var (job, setup) = ShardCommand.Describe([.. shardArgs, "--shard-index", "0"], context);
            var archivePath = parse.GetValue(archive) is { } a ? Path.GetFullPath(a) : null;
            IReadOnlyList<string>? extractArgs = archivePath is not null && NeedsExtraction(archivePath, extract)
                ? ["extract", "--archive", archivePath, "--dest", extract, .. parse.GetValue(managed) ? ["--managed"] : Array.Empty<string>()]
                : null;
            var countText = count.ToString(CultureInfo.InvariantCulture);
            var cacheAt = shardArgs.ToList().IndexOf("--token-cache");
            IReadOnlyList<string> cacheArgs = cacheAt >= 0 && cacheAt + 1 < shardArgs.Count ? ["--token-cache", shardArgs[cacheAt + 1]] : [];
            List<IReadOnlyList<string>> finalSteps = [["merge", "--work-dir", work, "--shard-count", countText, "--out", merged, .. cacheArgs]];
            IReadOnlyList<string> selection = job.ExcludePlaceholder ? ["--exclude-placeholder"] : [];
            if (!parse.GetValue(noVerify))
                finalSteps.Add(["verify", "--out", merged, "--extract-dir", extract, "--work-dir", work, "--shard-count", countText, .. selection,
                    .. setup.Options.Trim ? ["--trim"] : Array.Empty<string>(),
                    .. job.MaxDurationSeconds is { } max ? ["--max-duration", max.ToString("R", CultureInfo.InvariantCulture)] : Array.Empty<string>()]);
            if (!parse.GetValue(noReport))
                finalSteps.Add(["report", "--out", merged, "--extract-dir", extract, "--work-dir", work, .. selection]);
            var run = new SlurmRun(work, exe, extractArgs, ["shard", .. shardArgs], finalSteps, count);
            var options = new SlurmOptions(parse.GetValue(partition), parse.GetValue(account), parse.GetValue(qos), parse.GetValue(time),
                parse.GetValue(mem), Math.Max(1, parse.GetValue(cpus)), Math.Max(0, parse.GetValue(maxRunning)), parse.GetValue(sbatchArgs) ?? [],
                Math.Max(0, parse.GetValue(retries)), Math.Max(0.2, parse.GetValue(poll)));
            var driver = new SlurmDriver(run, options, new SlurmClient(), () => PendingShards(shardArgs, count, context), context.Output,
                parse.GetValue(jobsFile));
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

    /// <summary>Shards without a done record made with the current settings (the hash is the shard command's own).</summary>
    private static IReadOnlyList<int> PendingShards(IReadOnlyList<string> shardArgs, int count, WorkerContext context)
    {
        var (job, _) = ShardCommand.Describe([.. shardArgs, "--shard-index", "0"], context);
        var gzip = job.Files.IsGzip;
        var workDir = Path.GetDirectoryName(job.Files.Output)!;
        return Enumerable.Range(0, count)
            .Where(i => DoneRecord.TryRead(ShardFiles.InWorkDir(workDir, i, count, gzip).Done)?.SettingsHash != job.SettingsHash)
            .ToArray();
    }
}
