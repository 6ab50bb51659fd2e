namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker report --job</c>: <c>Out.stats.json</c> and the self-contained <c>Out.report.html</c>.</summary>
public sealed class WriteReport : WorkerTool
{
    protected override string Command => "report";

    protected override string Subject => "The report";
}
