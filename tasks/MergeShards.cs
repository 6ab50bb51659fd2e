namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker merge --job</c>: every shard with a done record, in the global pair order, into the merged output set.</summary>
public sealed class MergeShards : WorkerTool
{
    protected override string Command => "merge";
}
