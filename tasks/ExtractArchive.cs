using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker extract --job</c>: the job's archive into its extract folder. The worker does the work (complete extraction or none, links never
/// extracted, incremental by the sentinel); cancelling the build kills it, and it kills its 7-Zip and removes its
/// staging folder when the build node dies.
/// </summary>
public sealed class ExtractArchive : WorkerTool
{
    /// <summary>How many .wav and .lab files the extract folder holds afterwards (from its sentinel).</summary>
    [Output] public int ExtractedFiles { get; private set; }

    /// <summary>The sentinel file of the finished extraction, for incremental targets downstream.</summary>
    [Output] public string Sentinel { get; private set; } = "";

    protected override string Command => "extract";

    protected override string Subject => $"Extracting '{Spec.Archive}'";

    protected override bool WatchesParent => true;

    protected override bool CheckResult()
    {
        Sentinel = Path.Combine(Spec.ExtractDir, ExtractionSentinel.FileName);
        if (ExtractionSentinel.TryRead(Sentinel) is { } sentinel)
            ExtractedFiles = sentinel.Files;
        return true;
    }

    private JobSpec? _spec;

    private JobSpec Spec => _spec ??= JobSpec.Read(JobFile ?? throw new InvalidOperationException("ExtractArchive needs JobFile"));
}
