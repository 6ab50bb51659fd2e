namespace SpeechPairs.Worker.Report;

/// <summary>Summary figures of one measure over the clips; percentiles interpolate linearly between order statistics (numpy's default).</summary>
public sealed record Distribution(
    long Count, double Mean, double Std, double Min, double P25, double P50, double P75, double P99, double P995, double P999, double Max)
{
    public static Distribution Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
            return new Distribution(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        var sorted = values.Order().ToArray();
        var mean = sorted.Average();
        var std = Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Length);
        return new Distribution(sorted.Length, mean, std, sorted[0], Percentile(sorted, 25), Percentile(sorted, 50), Percentile(sorted, 75),
            Percentile(sorted, 99), Percentile(sorted, 99.5), Percentile(sorted, 99.9), sorted[^1]);
    }

    private static double Percentile(double[] sorted, double percent)
    {
        var rank = percent / 100 * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }
}
