using System.Globalization;
using System.Text;
using SpeechPairs.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>dotnet SpeechPairs.Worker.dll extract</c> for the archive and streams its lines into the build log. The worker
/// does the work (complete extraction or none, links never extracted, incremental by the sentinel); cancelling the build
/// kills the worker's process tree, and the worker kills its 7-Zip and removes its staging folder when the build node dies.
/// </summary>
public sealed class ExtractArchive : ToolTask
{
    private const string WarningPrefix = "warning: ";
    private string lastWorkerMessage = "";

    /// <summary>The worker assembly, SpeechPairs.Worker.dll.</summary>
    [Required] public string WorkerAssembly { get; set; } = "";

    /// <summary>The dotnet host that runs the worker; default: DOTNET_HOST_PATH, else the host running this task.</summary>
    public string? DotnetHost { get; set; }

    /// <summary>The archive (7z, zip, tar or tar.gz, recognised by content).</summary>
    [Required] public string Archive { get; set; } = "";

    /// <summary>The extract folder; replaced only by a complete extraction.</summary>
    [Required] public string Destination { get; set; } = "";

    /// <summary>Use the managed extractor even when 7-Zip is on PATH.</summary>
    public bool UseManagedExtractor { get; set; }

    /// <summary>How many .wav and .lab files the extract folder holds afterwards (from its sentinel).</summary>
    [Output] public int ExtractedFiles { get; private set; }

    /// <summary>The sentinel file of the finished extraction, for incremental targets downstream.</summary>
    [Output] public string Sentinel { get; private set; } = "";

    protected override string ToolName => OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    // The worker writes UTF-8 (archive paths are often Chinese).
    protected override Encoding StandardOutputEncoding => Encoding.UTF8;
    protected override Encoding StandardErrorEncoding => Encoding.UTF8;

    public override bool Execute()
    {
        Sentinel = Path.Combine(Path.GetFullPath(Destination), ExtractionSentinel.FileName);
        bool succeeded = base.Execute() && ExitCode == 0 && !Log.HasLoggedErrors;
        if (succeeded && ExtractionSentinel.TryRead(Sentinel) is { } sentinel)
            ExtractedFiles = sentinel.Files;
        return succeeded;
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
        arguments.AppendTextUnquoted(" extract");
        arguments.AppendSwitchIfNotNull("--archive ", Archive);
        arguments.AppendSwitchIfNotNull("--dest ", Path.TrimEndingDirectorySeparator(Destination));
        if (UseManagedExtractor) arguments.AppendSwitch("--managed");
        // The worker stops (and kills its 7-Zip) when the MSBuild node dies.
        arguments.AppendSwitch("--parent-pid " + WatchedProcess.Id().ToString(CultureInfo.InvariantCulture));
        return arguments.ToString();
    }

    /// <summary>
    /// Every worker line goes to the build log at high importance (extraction is one long step; its lines are its progress);
    /// "warning: " lines become build warnings. Never parsed as canonical errors.
    /// </summary>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (!string.IsNullOrWhiteSpace(singleLine))
            lastWorkerMessage = singleLine.Trim();
        int warning = singleLine.IndexOf(WarningPrefix, StringComparison.Ordinal);
        if (warning >= 0)
            Log.LogWarning(singleLine[(warning + WarningPrefix.Length)..]);
        else
            Log.LogMessage(MessageImportance.High, singleLine);
    }

    protected override bool HandleTaskExecutionErrors()
    {
        string reason = lastWorkerMessage.Length > 0 ? lastWorkerMessage : "no message";
        Log.LogError($"Extracting '{Archive}' failed (worker exit code {ExitCode}): {reason}");
        return false;
    }
}
