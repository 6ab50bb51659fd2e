using ScottPlot;

namespace SpeechPairs.Worker.Report;

/// <summary>The report's pictures, drawn by ScottPlot and returned as inline SVG elements (no script, no network).</summary>
public static class ReportCharts
{
    public const int Width = 560;
    public const int Height = 300;

    private static readonly Color BarColor = Color.FromHex("#3B73B9");

    public static string Histogram(string title, string xLabel, HistogramCounts histogram, double? marker = null)
    {
        var plot = NewPlot(title, xLabel, "clips");
        var width = histogram.Edges.Length > 1 ? histogram.Edges[1] - histogram.Edges[0] : 1;
        var bars = new List<Bar>();
        for (var i = 0; i < histogram.Counts.Length; i++)
        {
            bars.Add(new Bar
            {
                Position = histogram.Edges[i] + width / 2,
                Value = histogram.Counts[i],
                Size = width,
                FillColor = BarColor,
                LineWidth = 0,
            });
        }

        plot.Add.Bars(bars);
        if (marker is { } x)
        {
            var line = plot.Add.VerticalLine(x, 2, Colors.OrangeRed);
            line.LinePattern = LinePattern.Dashed;
        }

        plot.Axes.Margins(bottom: 0);
        return Render(plot);
    }

    /// <summary>One bar per category, labelled below.</summary>
    public static string Categories(string title, string yLabel, IReadOnlyList<(string Label, double Value)> categories)
    {
        var plot = NewPlot(title, "", yLabel);
        var bars = categories.Select((c, i) => new Bar { Position = i, Value = c.Value, FillColor = BarColor, LineWidth = 0 }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(categories.Select((_, i) => (double)i).ToArray(), categories.Select(c => Shorten(c.Label)).ToArray());
        plot.Axes.Margins(bottom: 0);
        return Render(plot);
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title, 14);
        plot.XLabel(xLabel, 12);
        plot.YLabel(yLabel, 12);
        return plot;
    }

    private static string Render(Plot plot) => plot.GetSvgHtml(Width, Height);

    private static string Shorten(string label) => label.Length <= 18 ? label : label[..17] + "…";
}
