namespace SpeechPairs.Tasks;

/// <summary>The two output formats: gzip-compressed JSON lines (.jsonl.gz) and plain JSON lines (.jsonl).</summary>
internal static class JsonlFormat
{
    public const string Gzip = ".jsonl.gz";
    public const string Plain = ".jsonl";

    /// <summary>".jsonl.gz", ".jsonl", or null for any other name.</summary>
    public static string? Of(string path) =>
        path.EndsWith(Gzip, StringComparison.OrdinalIgnoreCase) ? Gzip
        : path.EndsWith(Plain, StringComparison.OrdinalIgnoreCase) ? Plain
        : null;
}
