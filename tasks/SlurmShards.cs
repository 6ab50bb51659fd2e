using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker slurm run</c> (extraction job, shard job array, waiting with progress, retries) or, with
/// <see cref="SubmitOnly"/>, <c>worker slurm submit</c> (the same chain plus a merge job, returning at once).
/// Cancelling the build first cancels the jobs this run submitted (from its jobs file), then stops the worker.
/// </summary>
public sealed class SlurmShards : WorkerTool
{
    [Required] public string WorkDir { get; set; } = "";
    [Required] public int ShardCount { get; set; }
    [Required] public string WorkerExe { get; set; } = "";
    [Required] public string Destination { get; set; } = "";
    [Required] public string ExtractDir { get; set; } = "";

    /// <summary>The archive to extract as a Slurm job; empty with SkipExtract.</summary>
    public string? Archive { get; set; }

    public bool UseManagedExtractor { get; set; }
    public bool SubmitOnly { get; set; }

    /// <summary>With <see cref="SubmitOnly"/>: the final job also verifies the output and writes the report.</summary>
    public bool Verify { get; set; } = true;
    public bool Report { get; set; } = true;

    /// <summary><c>worker shard</c> options (tokenizer dir, settings, threads), one item per argument.</summary>
    public ITaskItem[] ShardArguments { get; set; } = [];

    public string? Partition { get; set; }
    public string? Account { get; set; }
    public string? Qos { get; set; }
    public string? Time { get; set; }
    public string? MemPerTask { get; set; }
    public int CpusPerTask { get; set; }
    public int MaxRunning { get; set; }
    public ITaskItem[] SbatchArguments { get; set; } = [];
    public int Retries { get; set; }
    public string? PollSeconds { get; set; }

    private string JobsFile => Path.Combine(WorkDir, "slurm", $"run-{Environment.ProcessId}-{ShardCount}.jobs");

    protected override string Command => SubmitOnly ? "slurm submit" : "slurm run";

    protected override string Subject => SubmitOnly ? "submitting to Slurm" : "the Slurm run";

    protected override bool WatchesParent => !SubmitOnly;

    public override bool Execute()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(JobsFile)!);
        File.Delete(JobsFile);
        return base.Execute();
    }

    public override void Cancel()
    {
        // The worker is about to be killed without a chance to clean up: `worker slurm cancel` scancels this run's jobs first.
        if (!SubmitOnly && File.Exists(JobsFile))
        {
            var cancel = new System.Diagnostics.ProcessStartInfo(GenerateFullPathToTool()) { UseShellExecute = false };
            foreach (var argument in new[] { WorkerAssembly, "slurm", "cancel", "--jobs-file", JobsFile })
                cancel.ArgumentList.Add(argument);
            try
            {
                using var process = System.Diagnostics.Process.Start(cancel);
                process?.WaitForExit(30_000);
                Log.LogWarning($"Build cancelled: cancelled the Slurm jobs listed in {JobsFile}.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Log.LogWarning($"Build cancelled, but the jobs in {JobsFile} could not be cancelled ({e.Message}); scancel them by hand.");
            }
        }
        base.Cancel();
    }

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--work-dir ", Path.TrimEndingDirectorySeparator(WorkDir));
        arguments.AppendSwitch("--shard-count " + ShardCount.ToString(CultureInfo.InvariantCulture));
        arguments.AppendSwitchIfNotNull("--worker-exe ", WorkerExe);
        arguments.AppendSwitchIfNotNull("--out ", Destination);
        arguments.AppendSwitchIfNotNull("--extract-dir ", Path.TrimEndingDirectorySeparator(ExtractDir));
        if (!string.IsNullOrWhiteSpace(Archive)) arguments.AppendSwitchIfNotNull("--archive ", Archive);
        if (UseManagedExtractor) arguments.AppendSwitch("--managed");
        if (!string.IsNullOrWhiteSpace(Partition)) arguments.AppendSwitchIfNotNull("--partition ", Partition);
        if (!string.IsNullOrWhiteSpace(Account)) arguments.AppendSwitchIfNotNull("--account ", Account);
        if (!string.IsNullOrWhiteSpace(Qos)) arguments.AppendSwitchIfNotNull("--qos ", Qos);
        if (!string.IsNullOrWhiteSpace(Time)) arguments.AppendSwitchIfNotNull("--time ", Time);
        if (!string.IsNullOrWhiteSpace(MemPerTask)) arguments.AppendSwitchIfNotNull("--mem-per-task ", MemPerTask);
        if (CpusPerTask > 0) arguments.AppendSwitch("--cpus-per-task " + CpusPerTask.ToString(CultureInfo.InvariantCulture));
        if (MaxRunning > 0) arguments.AppendSwitch("--max-running " + MaxRunning.ToString(CultureInfo.InvariantCulture));
        foreach (var argument in SbatchArguments)
            arguments.AppendSwitchIfNotNull("--sbatch-arg=", argument.ItemSpec);
        arguments.AppendSwitch("--retries " + Retries.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrWhiteSpace(PollSeconds)) arguments.AppendSwitchIfNotNull("--poll-seconds ", PollSeconds);
        if (!SubmitOnly) arguments.AppendSwitchIfNotNull("--jobs-file ", JobsFile);
        if (SubmitOnly && !Verify) arguments.AppendSwitch("--no-verify");
        if (SubmitOnly && !Report) arguments.AppendSwitch("--no-report");
        arguments.AppendSwitch("--");
        foreach (var argument in ShardArguments)
            arguments.AppendSwitchIfNotNull("", argument.ItemSpec);
    }
}
