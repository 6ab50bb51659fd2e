namespace SpeechPairs.Worker.Report;

/// <summary>The figures of <c>OUT.stats.json</c>; the HTML report shows the same.</summary>
/// <param name="Unpaired">Every unpaired <c>.wav</c>/<c>.lab</c> of the extracted tree, as the archive spells it (ordinal order).</param>
public sealed record ReportStats(
    string Output,
    ReportTotals Totals,
    Distribution DurationSeconds,
    HistogramCounts DurationHistogram,
    Distribution CharactersPerClip,
    HistogramCounts CharactersPerClipHistogram,
    Distribution CharactersPerSecond,
    HistogramCounts CharactersPerSecondHistogram,
    IReadOnlyList<ClipValue> LowestCharactersPerSecond,
    IReadOnlyList<ClipValue> HighestCharactersPerSecond,
    double NominalTokensPerSecond,
    Distribution TokensPerSecond,
    HistogramCounts TokensPerSecondHistogram,
    IReadOnlyList<ClipValue> TokensPerSecondOutliers,
    IReadOnlyList<CountOf> SampleRates,
    IReadOnlyList<CountOf> Channels,
    IReadOnlyList<ErrorKind> Errors,
    IReadOnlyList<FolderTotals> Folders,
    IReadOnlyList<ShardFigures> Shards,
    IReadOnlyList<string> Unpaired)
{
    /// <summary>The parity check of the work dir (worker parity's parity.json); null when none was run.</summary>
    public Parity.ParitySummary? Parity { get; init; }
}

/// <param name="Unpaired">WAV and transcript files without a partner (from the extracted tree).</param>
/// <param name="Excluded">Left out on purpose: placeholder pairs (with --exclude-placeholder) and clips too long for --max-duration.</param>
public sealed record ReportTotals(long Clips, double AudioHours, long Tokens, long Errors, long Excluded, long ExcludedPlaceholder,
    long ExcludedTooLong, long UnpairedWav, long UnpairedLab);

public sealed record ClipValue(string Id, double Value);

public sealed record CountOf(string Value, long Clips);

public sealed record ErrorKind(string Kind, long Count, IReadOnlyList<string> ExampleIds);

/// <summary>Clips and hours of one folder of the tree (first level, or first/second level).</summary>
public sealed record FolderTotals(string Folder, int Level, long Clips, double Hours);

/// <summary>One shard as its done record tells it.</summary>
public sealed record ShardFigures(int Index, int Count, long Records, long Errors, long Excluded, double AudioSeconds, double WallSeconds,
    double TimesRealtime, double PeakMemoryMb, long Tokenized, long Reused);
