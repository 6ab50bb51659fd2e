namespace SpeechPairs.Worker.Report;

/// <summary>A histogram as the stats file gives it: bin edges (one more than counts) and clip counts.</summary>
public sealed record HistogramCounts(double[] Edges, long[] Counts)
{
    public const int DefaultBins = 40;

    /// <summary>Equal-width bins over [min, max] of the values, counted by ScottPlot's histogram.</summary>
    public static HistogramCounts Of(IReadOnlyCollection<double> values, int bins = DefaultBins)
    {
        if (values.Count == 0)
            return new HistogramCounts([0, 1], [0]);
        var min = values.Min();
        var max = values.Max();
        if (max <= min)
            max = min + 1;
        var histogram = ScottPlot.Statistics.Histogram.WithBinCount(bins, min, max);
        histogram.IncludeOutliers = true; // the maximum itself lands in the last bin
        foreach (var value in values)
            histogram.Add(value);
        return new HistogramCounts(histogram.Edges.ToArray(), histogram.Counts.Select(c => (long)c).ToArray());
    }
}
