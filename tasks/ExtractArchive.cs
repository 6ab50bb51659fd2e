using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker extract</c> for the archive. The worker does the work (complete extraction or none, links never
/// extracted, incremental by the sentinel); cancelling the build kills it, and it kills its 7-Zip and removes its
/// staging folder when the build node dies.
/// </summary>
public sealed class ExtractArchive : WorkerTool
{
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

    protected override string Command => "extract";

    protected override string Subject => $"Extracting '{Archive}'";

    protected override bool WatchesParent => true;

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--archive ", Archive);
        arguments.AppendSwitchIfNotNull("--dest ", Path.TrimEndingDirectorySeparator(Destination));
        if (UseManagedExtractor) arguments.AppendSwitch("--managed");
    }

    protected override bool CheckResult()
    {
        Sentinel = Path.Combine(Path.GetFullPath(Destination), ExtractionSentinel.FileName);
        if (ExtractionSentinel.TryRead(Sentinel) is { } sentinel)
            ExtractedFiles = sentinel.Files;
        return true;
    }
}
