using System.Globalization;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs one command of the worker exe (<c>dotnet SpeechPairs.Worker.dll COMMAND ...</c>) and watches it: every line it
/// prints goes to the build log (and a log file when given), a non-zero exit fails the task with the worker's last
/// message, and cancelling the build (Ctrl+C) kills the worker's process tree (ToolTask does that). The logic lives in
/// the worker; a task only turns its parameters into arguments.
/// </summary>
public abstract class WorkerTool : ToolTask
{
    private const string WarningPrefix = "warning: ";
    private const string ErrorPrefix = "error: ";
    private StreamWriter? _logWriter;
    private string _lastWorkerMessage = "";

    /// <summary>The worker assembly, SpeechPairs.Worker.dll.</summary>
    [Required] public string WorkerAssembly { get; set; } = "";

    /// <summary>The dotnet host that runs the worker; default: DOTNET_HOST_PATH, else the host running this task.</summary>
    public string? DotnetHost { get; set; }

    /// <summary>Gets every line the worker prints, so its output survives terminal loggers and closed terminals.</summary>
    public string? LogFile { get; set; }

    /// <summary>The run's job spec (WorkDir/job.json): the step commands take every setting from it.</summary>
    public string? JobFile { get; set; }

    /// <summary>The worker command, e.g. <c>shard</c>.</summary>
    protected abstract string Command { get; }

    /// <summary>What the failure message calls the work, e.g. <c>shard 2 of 6</c>.</summary>
    protected virtual string Subject => $"worker {Command}";

    /// <summary>Whether the command takes <c>--parent-pid</c> (so it stops when the build's node dies, even by SIGTERM).</summary>
    protected virtual bool WatchesParent => false;

    /// <summary>Appends the command's own arguments (after <c>--job</c>, when given).</summary>
    protected virtual void AppendArguments(CommandLineBuilder arguments)
    {
    }

    /// <summary>Called after a zero exit; return false (having logged an error) when the result is missing.</summary>
    protected virtual bool CheckResult() => true;

    protected override string ToolName => OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    // The worker writes UTF-8 (paths and transcripts are often Chinese).
    protected override Encoding StandardOutputEncoding => Encoding.UTF8;
    protected override Encoding StandardErrorEncoding => Encoding.UTF8;

    /// <summary>Lines of the worker that are printed at high importance (visible at minimal verbosity); others at normal.</summary>
    protected virtual bool IsImportant(string line) => true;

    public override bool Execute()
    {
        if (!string.IsNullOrEmpty(LogFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(LogFile))!);
            _logWriter = new StreamWriter(LogFile, append: true, new UTF8Encoding(false)) { AutoFlush = true };
            _logWriter.WriteLine($"==== {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {Subject}");
        }
        try
        {
            var succeeded = base.Execute() && ExitCode == 0 && !Log.HasLoggedErrors && CheckResult();
            _logWriter?.WriteLine($"==== exit code {ExitCode}");
            return succeeded;
        }
        finally
        {
            _logWriter?.Dispose();
            _logWriter = null;
        }
    }

    protected override string GenerateFullPathToTool()
    {
        if (!string.IsNullOrEmpty(DotnetHost))
            return DotnetHost;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath)
            return hostPath;
        // MSBuild (and its task hosts) run on the dotnet host itself.
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : ToolName;
    }

    protected sealed override string GenerateCommandLineCommands()
    {
        var arguments = new CommandLineBuilder();
        arguments.AppendFileNameIfNotNull(WorkerAssembly);
        arguments.AppendTextUnquoted(" " + Command);
        if (!string.IsNullOrEmpty(JobFile))
            arguments.AppendSwitchIfNotNull("--job ", JobFile);
        AppendArguments(arguments);
        if (WatchesParent)
            arguments.AppendSwitch("--parent-pid " + WatchedProcess.Id().ToString(CultureInfo.InvariantCulture));
        return arguments.ToString();
    }

    /// <summary>
    /// Every worker line goes to the log file and the build log. Never parsed as canonical errors: a line such as
    /// "x.wav(1,1): error X: ..." is the worker's business, not a build error.
    /// </summary>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        _logWriter?.WriteLine(singleLine);
        // A line that starts with "error: " is one of several problems the worker reports before failing (worker plan).
        if (singleLine.StartsWith(ErrorPrefix, StringComparison.Ordinal))
        {
            Log.LogError(singleLine[ErrorPrefix.Length..]);
            return;
        }
        // The worker marks what deserves a build warning (skipped links, a device fallback) with "warning: ".
        var warning = singleLine.IndexOf(WarningPrefix, StringComparison.Ordinal);
        if (warning >= 0)
        {
            Log.LogWarning(singleLine[(warning + WarningPrefix.Length)..]);
            return;
        }
        var important = IsImportant(singleLine);
        if (!string.IsNullOrWhiteSpace(singleLine) && !singleLine.StartsWith('['))
            _lastWorkerMessage = singleLine.Trim();
        else if (!string.IsNullOrWhiteSpace(singleLine) && _lastWorkerMessage.Length == 0)
            _lastWorkerMessage = singleLine.Trim();
        Log.LogMessage(important ? MessageImportance.High : MessageImportance.Normal, singleLine);
    }

    protected override bool HandleTaskExecutionErrors()
    {
        var reason = _lastWorkerMessage.Length > 0 ? _lastWorkerMessage : "no message";
        Log.LogError($"{Subject} failed with exit code {ExitCode}: {reason}"
            + (string.IsNullOrEmpty(LogFile) ? "" : $" (full output: {LogFile})"));
        return false;
    }

    protected static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
