using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Holds an exclusive lock on the work folder for the rest of the build, so a second run on the same WorkDir fails at
/// once ("in use by another run (pid N)") instead of both fighting over the shards. It runs inside the MSBuild
/// process (no task host): the lock lives as long as that process, and the repository's Directory.Build.rsp turns
/// node reuse off, so the lock ends with the build whatever way it ends (success, failure, Ctrl+C, kill).
/// </summary>
/// <remarks>
/// Jobs that <c>-t:Submit</c> queued hold the folder after that build has ended: while one of those in its list
/// (<see cref="SlurmFiles.SubmittedIn"/>) is still queued or running, the lock is refused, naming them
/// (<c>worker slurm submitted</c> asks Slurm, and removes the list once they are gone). The jobs themselves take no lock.
/// </remarks>
public sealed class LockWorkDir : WorkerTool
{
    // Held until the process exits; one per work folder.
    private static readonly Dictionary<string, FileStream> Held = new(StringComparer.Ordinal);

    // MSBuild handles Ctrl+C but not SIGTERM, after which it would exit 0 with no output: make a stop read as a failure.
    private static System.Runtime.InteropServices.PosixSignalRegistration? _terminate;

    [Required] public string WorkDir { get; set; } = "";

    protected override string Command => "slurm submitted";

    protected override string Subject => "Asking Slurm about the jobs -t:Submit queued on WorkDir";

    /// <summary>Whether opening the lock failed because another process holds it (EWOULDBLOCK from flock; a sharing violation on Windows).</summary>
    private static bool IsHeldByAnother(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) == 32 : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);

    public override bool Execute()
    {
        var workDir = Path.GetFullPath(WorkDir);
        var lockPath = Path.Combine(workDir, ".speechpairs.lock");
        lock (Held)
        {
            if (Held.ContainsKey(lockPath))
                return true;
            if (!Take(workDir, lockPath))
                return false;
            if (File.Exists(SlurmFiles.SubmittedIn(workDir)) && !base.Execute())
            {
                // Refused: the folder belongs to the submitted jobs, and is left as it was.
                Held.Remove(lockPath, out var stream);
                stream!.Dispose();
                return false;
            }
            File.WriteAllText(lockPath + ".pid", Environment.ProcessId + "\n");
            return true;
        }
    }

    private bool Take(string workDir, string lockPath)
    {
        var ownerPath = lockPath + ".pid";
        try
        {
            Directory.CreateDirectory(workDir);
            // FileShare.None takes an advisory lock (flock) on Unix, a share lock on Windows.
            var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            Held[lockPath] = stream;
            _terminate ??= System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
            {
                // The workers stop on their own when their MSBuild node goes (--parent-pid) and keep their output resumable.
                signal.Cancel = true;
                Console.Error.WriteLine("SpeechPairs: the build was stopped (SIGTERM); run the same command again to resume.");
                Environment.Exit(ExitCodes.Terminated);
            });
            return true;
        }
        catch (IOException e) when (IsHeldByAnother(e))
        {
            var owner = File.Exists(ownerPath) ? File.ReadAllText(ownerPath).Trim() : "unknown";
            Log.LogError($"WorkDir '{workDir}' is in use by another run (pid {owner}); wait for it to finish or use another WorkDir.");
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full disk, or no permission: say so, never "in use".
            Log.LogError($"WorkDir '{workDir}' cannot be written: {e.Message}");
            return false;
        }
    }

    protected override void AppendArguments(CommandLineBuilder arguments) =>
        arguments.AppendSwitchIfNotNull("--work-dir ", Path.GetFullPath(WorkDir));

    // The worker's "error: WorkDir … is in use by Slurm jobs …" line is the whole story.
    protected override bool HandleTaskExecutionErrors() => Log.HasLoggedErrors || base.HandleTaskExecutionErrors();
}
