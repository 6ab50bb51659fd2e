namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker verify --job</c>: the merged output against the extracted tree, the errors file and the done records.</summary>
public sealed class VerifyOutput : WorkerTool
{
    protected override string Command => "verify";

    protected override string Subject => "Verifying the merged output";
}
