using System.Globalization;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Merge;

/// <summary>The line a merge prints: its merge record's totals, in words.</summary>
public static class MergeSummary
{
    public static string Line(MergeRecord record, MergedOutputSet set)
    {
        var kinds = record.ErrorsByKind.Count == 0 ? "" : " (" + string.Join(", ", record.ErrorsByKind.Select(k => $"{k.Key} {N(k.Value)}")) + ")";
        var hours = record.AudioSeconds / 3600;
        // Small runs (the demo) would all read 0.00 h.
        var audio = hours.ToString(hours < 1 ? "0.###" : "0.00", CultureInfo.InvariantCulture);
        return $"Merged {Plural(record.Shards, "shard")} into {set.Out}: {Plural(record.Records, "clip")}, {Plural(record.Errors, "error")}{kinds} in {set.Errors}, " +
               $"{N(record.Excluded)} excluded, {audio} audio hours, {N(record.Tokens)} audio tokens ({N(record.Tokenized)} clips tokenized, {N(record.Reused)} reused from the token cache).";
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Plural(long count, string noun) => $"{N(count)} {noun}{(count == 1 ? "" : "s")}";
}
