using System.Globalization;

namespace SpeechPairs.Worker.Merge;

/// <summary>What a merge wrote, with totals taken from the shards' done records.</summary>
public sealed record MergeSummary(
    string Output,
    string ErrorsOutput,
    int Shards,
    long Records,
    long Errors,
    long Excluded,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    double AudioSeconds,
    long Tokens,
    long Tokenized,
    long Reused)
{
    public string ToLine()
    {
        var kinds = ErrorsByKind.Count == 0 ? "" : " (" + string.Join(", ", ErrorsByKind.Select(k => $"{k.Key} {N(k.Value)}")) + ")";
        var hours = AudioSeconds / 3600;
        // Small runs (the demo) would all read 0.00 h.
        var audio = hours.ToString(hours < 1 ? "0.###" : "0.00", CultureInfo.InvariantCulture);
        return $"Merged {Plural(Shards, "shard")} into {Output}: {Plural(Records, "clip")}, {Plural(Errors, "error")}{kinds} in {ErrorsOutput}, " +
               $"{N(Excluded)} excluded, {audio} audio hours, {N(Tokens)} audio tokens ({N(Tokenized)} clips tokenized, {N(Reused)} reused from the token cache).";
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Plural(long count, string noun) => $"{N(count)} {noun}{(count == 1 ? "" : "s")}";
}
