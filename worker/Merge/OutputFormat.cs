namespace SpeechPairs.Worker.Merge;

/// <summary>The merged output's format, from its name; shards write JSONL.gz for every compressed format.</summary>
public enum OutputFormat
{
    Jsonl,
    JsonlGzip,
    Parquet,
}

public static class OutputFormats
{
    /// <summary>The format a merged output name asks for, or null when it ends in none of .jsonl, .jsonl.gz, .parquet.</summary>
    public static OutputFormat? Of(string path) =>
        path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase) ? OutputFormat.JsonlGzip
        : path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Jsonl
        : path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Parquet
        : null;
}
