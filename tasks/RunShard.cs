using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs the worker for one shard (<c>dotnet SpeechPairs.Worker.dll shard ...</c>), streams its progress
/// into the build log and a log file, and writes the shard's sentinel only after the worker exits with 0.
/// Cancelling the build (Ctrl+C) kills the worker's process tree (ToolTask does that).
/// </summary>
public sealed partial class RunShard : ToolTask
{
    private StreamWriter? logWriter;
    private string lastWorkerMessage = "";
    private bool resumeThisRun;

    /// <summary>The worker assembly, SpeechPairs.Worker.dll.</summary>
    [Required] public string WorkerAssembly { get; set; } = "";

    /// <summary>The dotnet host that runs the worker; default: DOTNET_HOST_PATH, else the host running this task.</summary>
    public string? DotnetHost { get; set; }

    [Required] public string ExtractDir { get; set; } = "";
    [Required] public string TokenizerDir { get; set; } = "";

    /// <summary>The shard's output file (.jsonl.gz or .jsonl).</summary>
    [Required] public string ShardOutput { get; set; } = "";

    /// <summary>Written after the worker exits with 0; removed before it starts.</summary>
    [Required] public string Sentinel { get; set; } = "";

    [Required] public int ShardIndex { get; set; }
    [Required] public int ShardCount { get; set; }

    /// <summary>Gets every line the worker prints, so progress survives terminal loggers and closed terminals.</summary>
    public string? LogFile { get; set; }

    /// <summary>Continue from a partial output left by an interrupted run instead of starting over.</summary>
    public bool Resume { get; set; }

    /// <summary>Files whose change makes a partial output useless (the extraction, the settings): no resume if newer than it.</summary>
    public ITaskItem[] ResumeInvalidatedBy { get; set; } = [];

    public bool ExcludePlaceholder { get; set; }
    public bool Trim { get; set; }
    public string? MaxDuration { get; set; }
    public string? Dither { get; set; }
    public string? Device { get; set; }
    public int TorchThreads { get; set; }
    public int OnnxThreads { get; set; }

    protected override string ToolName => OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    // The worker writes UTF-8 (paths and transcripts are often Chinese).
    protected override Encoding StandardOutputEncoding => Encoding.UTF8;
    protected override Encoding StandardErrorEncoding => Encoding.UTF8;

    private string ShardName => $"shard {ShardIndex} of {ShardCount}";

    public override bool Execute()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ShardOutput))!);
        File.Delete(Sentinel); // a stale sentinel must not survive a failed re-run
        resumeThisRun = ShouldResume();
        if (!string.IsNullOrEmpty(LogFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(LogFile))!);
            logWriter = new StreamWriter(LogFile, append: true, new UTF8Encoding(false)) { AutoFlush = true };
            logWriter.WriteLine($"==== {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {ShardName}{(resumeThisRun ? " (resuming)" : "")}");
        }
        try
        {
            bool succeeded = base.Execute() && ExitCode == 0 && !Log.HasLoggedErrors;
            if (succeeded && !File.Exists(ShardOutput))
            {
                Log.LogError($"The worker for {ShardName} exited with 0 but wrote no '{ShardOutput}'.");
                succeeded = false;
            }
            if (succeeded)
                File.WriteAllText(Sentinel, $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n");
            logWriter?.WriteLine($"==== exit code {ExitCode}");
            return succeeded;
        }
        finally
        {
            logWriter?.Dispose();
            logWriter = null;
        }
    }

    private bool ShouldResume()
    {
        if (!Resume || !File.Exists(ShardOutput))
            return false;
        DateTime partial = File.GetLastWriteTimeUtc(ShardOutput);
        foreach (ITaskItem item in ResumeInvalidatedBy)
        {
            string path = item.GetMetadata("FullPath");
            if (File.Exists(path) && File.GetLastWriteTimeUtc(path) > partial)
            {
                Log.LogMessage(MessageImportance.High, $"{ShardName}: '{path}' changed after the partial output was written; starting over.");
                return false;
            }
        }
        Log.LogMessage(MessageImportance.High, $"{ShardName}: resuming from the partial output '{ShardOutput}'.");
        return true;
    }

    protected override string GenerateFullPathToTool()
    {
        if (!string.IsNullOrEmpty(DotnetHost))
            return DotnetHost;
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath)
            return hostPath;
        // MSBuild (and its task hosts) run on the dotnet host itself.
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : ToolName;
    }

    protected override string GenerateCommandLineCommands()
    {
        var arguments = new CommandLineBuilder();
        arguments.AppendFileNameIfNotNull(WorkerAssembly);
        arguments.AppendTextUnquoted(" shard");
        arguments.AppendSwitchIfNotNull("--extract-dir ", Path.TrimEndingDirectorySeparator(ExtractDir));
        arguments.AppendSwitchIfNotNull("--out ", ShardOutput);
        arguments.AppendSwitchIfNotNull("--tokenizer-dir ", Path.TrimEndingDirectorySeparator(TokenizerDir));
        arguments.AppendSwitch("--shard-count " + ShardCount.ToString(CultureInfo.InvariantCulture));
        arguments.AppendSwitch("--shard-index " + ShardIndex.ToString(CultureInfo.InvariantCulture));
        if (resumeThisRun) arguments.AppendSwitch("--resume");
        arguments.AppendSwitch("--no-done"); // the pipeline's sentinel is the .ok file
        if (ExcludePlaceholder) arguments.AppendSwitch("--exclude-placeholder");
        if (Trim) arguments.AppendSwitch("--trim");
        if (!string.IsNullOrWhiteSpace(MaxDuration)) arguments.AppendSwitchIfNotNull("--max-duration ", MaxDuration);
        if (!string.IsNullOrWhiteSpace(Dither)) arguments.AppendSwitchIfNotNull("--dither ", Dither);
        if (!string.IsNullOrWhiteSpace(Device)) arguments.AppendSwitchIfNotNull("--device ", Device);
        if (TorchThreads > 0) arguments.AppendSwitch("--torch-threads " + TorchThreads.ToString(CultureInfo.InvariantCulture));
        if (OnnxThreads > 0) arguments.AppendSwitch("--onnx-threads " + OnnxThreads.ToString(CultureInfo.InvariantCulture));
        // The worker stops when the MSBuild node dies: msbuild killed with SIGTERM leaves no orphaned workers.
        arguments.AppendSwitch("--parent-pid " + WatchedProcess.Id().ToString(CultureInfo.InvariantCulture));
        return arguments.ToString();
    }

    /// <summary>
    /// Every worker line goes to the log file and the build log: progress lines at high importance (visible
    /// at normal and minimal verbosity), others at normal. Never parsed as canonical errors: a line such as
    /// "x.wav(1,1): error X: ..." is the worker's business, not a build error.
    /// </summary>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        logWriter?.WriteLine(singleLine);
        bool isProgress = ProgressLine().IsMatch(singleLine);
        if (!isProgress && !string.IsNullOrWhiteSpace(singleLine))
            lastWorkerMessage = singleLine.Trim();
        Log.LogMessage(isProgress ? MessageImportance.High : MessageImportance.Normal, singleLine);
    }

    protected override bool HandleTaskExecutionErrors()
    {
        string reason = lastWorkerMessage.Length > 0 ? lastWorkerMessage : "no message";
        Log.LogError($"The worker for {ShardName} failed with exit code {ExitCode}: {reason}"
            + (string.IsNullOrEmpty(LogFile) ? "" : $" (full output: {LogFile})"));
        return false;
    }

    [GeneratedRegex(@"^\[shard \d+/\d+\] ")]
    private static partial Regex ProgressLine();
}
