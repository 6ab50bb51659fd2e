using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker slurm run</c> (extraction job, shard job array, waiting with progress, retries) or, with
/// <see cref="SubmitOnly"/>, <c>worker slurm submit</c> (the same chain plus a merge job, returning at once).
/// Cancelling the build first cancels the jobs this run submitted (from its jobs file), then stops the worker.
/// </summary>
public sealed class SlurmShards : WorkerTool
{
    /// <summary>Queue the chain (with a final merge job) and return, instead of waiting.</summary>
    public bool SubmitOnly { get; set; }

    private string JobsFile => Path.Combine(SlurmFiles.FolderIn(Spec.WorkDir), $"run-{Environment.ProcessId}-{Spec.Procs}.jobs");

    private JobSpec? _spec;

    private JobSpec Spec => _spec ??= JobSpec.Read(JobFile ?? throw new InvalidOperationException("SlurmShards needs JobFile"));

    protected override string Command => SubmitOnly ? "slurm submit" : "slurm run";

    protected override string Subject => SubmitOnly ? "submitting to Slurm" : "the Slurm run";

    protected override bool WatchesParent => !SubmitOnly;

    public override bool Execute()
    {
        if (Spec.Scheduler != Contract.Scheduler.Slurm)
        {
            Log.LogError("-t:Submit queues the job on Slurm: add -p:Scheduler=slurm (a local run is the default target).");
            return false;
        }
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
        if (!SubmitOnly) arguments.AppendSwitchIfNotNull("--jobs-file ", JobsFile);
    }
}
