namespace SpeechPairs.Worker;

/// <summary>The files of one shard, all named after its output.</summary>
/// <param name="Output">The JSONL output; gzip (one member per batch) when the name ends in <c>.gz</c>.</param>
public sealed record ShardFiles(string Output)
{
    /// <summary>One line per clip that could not be paired with tokens (always plain JSONL).</summary>
    public string Errors => Output + ".errors.jsonl";

    /// <summary>Written last, once output and errors are complete; a shard without it is unfinished.</summary>
    public string DoneMarker => Output + ".done";

    /// <summary>Machine-readable progress, replaced atomically every few seconds.</summary>
    public string Progress => Output + ".progress.json";

    public bool IsGzip => Output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
}
