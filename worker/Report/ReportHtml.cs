using System.Globalization;
using System.Net;
using System.Text;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Report;

/// <summary>The report page: one self-contained HTML file (inline CSS and SVG charts, no script, nothing fetched).</summary>
public static class ReportHtml
{
    /// <summary>Every chart sits in an element with this class (the browser test counts them).</summary>
    public const string ChartClass = "chart";

    /// <summary>Charts the page has for these figures: four histograms, sample rates, channels, folders; errors and shards when there are any.</summary>
    public static int ChartCount(ReportStats stats) => 7 + (stats.Errors.Count > 0 ? 1 : 0) + (stats.Shards.Count > 0 ? 1 : 0);

    public static string Render(ReportStats stats)
    {
        var html = new StringBuilder();
        var t = stats.Totals;
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>SpeechPairs report: {{E(stats.Output)}}</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
            h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ddd}h3{font-size:14px;margin:10px 0 4px}
            .totals{display:flex;flex-wrap:wrap;gap:10px}.total{background:#f3f6fa;border-radius:6px;padding:8px 14px;min-width:110px}
            .total b{display:block;font-size:20px}.grid{display:flex;flex-wrap:wrap;gap:12px}
            figure.chart{margin:0;border:1px solid #e3e3e3;border-radius:6px;padding:4px;background:#fff}
            table{border-collapse:collapse;font-size:13px;margin:4px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
            td.n{text-align:right;font-variant-numeric:tabular-nums}
            </style></head><body>
            <h1>SpeechPairs report: {{E(stats.Output)}}</h1>
            <div class="totals">
            """);
        Total(html, "clips", N(t.Clips));
        Total(html, "audio hours", F(t.AudioHours, "0.000"));
        Total(html, "tokens", N(t.Tokens));
        Total(html, "errors", N(t.Errors));
        Total(html, "excluded", $"{N(t.Excluded)}<small> ({N(t.ExcludedPlaceholder)} placeholder, {N(t.ExcludedTooLong)} too long)</small>");
        Total(html, "unpaired", $"{N(t.UnpairedWav + t.UnpairedLab)}<small> ({N(t.UnpairedWav)} wav, {N(t.UnpairedLab)} lab)</small>");
        html.Append("</div>\n");

        html.Append("<h2>Duration (s)</h2>\n");
        DistributionTable(html, stats.DurationSeconds);
        html.Append("<div class=\"grid\">");
        Chart(html, "duration", ReportCharts.Histogram("Clip duration", "seconds", stats.DurationHistogram));
        html.Append("</div>\n<h2>Text</h2>\n<table><tr><th></th>");
        html.Append("<th>mean</th><th>std</th><th>min</th><th>p25</th><th>p50</th><th>p75</th><th>p99</th><th>p99.5</th><th>p99.9</th><th>max</th></tr>");
        DistributionRow(html, "characters per clip", stats.CharactersPerClip);
        DistributionRow(html, "characters per second", stats.CharactersPerSecond);
        html.Append("</table><div class=\"grid\">");
        Chart(html, "characters", ReportCharts.Histogram("Characters per clip", "characters", stats.CharactersPerClipHistogram));
        Chart(html, "characters-per-second", ReportCharts.Histogram("Characters per second", "characters / s", stats.CharactersPerSecondHistogram));
        html.Append("</div>\n<p>A very low or very high rate often means the transcript does not belong to the clip.</p>");
        html.Append("<div class=\"grid\"><div>");
        ClipValues(html, "Lowest characters per second", stats.LowestCharactersPerSecond, "chars/s");
        html.Append("</div><div>");
        ClipValues(html, "Highest characters per second", stats.HighestCharactersPerSecond, "chars/s");
        html.Append("</div></div>");

        html.Append(CultureInfo.InvariantCulture, $"<h2>Tokens per second (nominal {stats.NominalTokensPerSecond:0.00})</h2>\n");
        DistributionTable(html, stats.TokensPerSecond);
        html.Append("<div class=\"grid\">");
        Chart(html, "tokens-per-second", ReportCharts.Histogram("Tokens per second", "tokens / s", stats.TokensPerSecondHistogram, stats.NominalTokensPerSecond));
        html.Append("</div>");
        ClipValues(html, $"Outliers (more than {ReportBuilder.TokenRateTolerance:P0} from nominal)", stats.TokensPerSecondOutliers, "tokens/s");

        html.Append("<h2>Formats</h2>\n<div class=\"grid\">");
        Chart(html, "sample-rates", ReportCharts.Categories("Sample rates (Hz)", "clips", stats.SampleRates.Select(s => (s.Value, (double)s.Clips)).ToList()));
        Chart(html, "channels", ReportCharts.Categories("Channels", "clips", stats.Channels.Select(s => (s.Value, (double)s.Clips)).ToList()));
        html.Append("</div>\n<h2>Errors by kind</h2>\n");
        if (stats.Errors.Count == 0)
        {
            html.Append("<p>No errors.</p>");
        }
        else
        {
            html.Append("<table><tr><th>kind</th><th>clips</th><th>examples</th></tr>");
            foreach (var kind in stats.Errors)
                html.Append($"<tr><td>{E(kind.Kind)}</td><td class=\"n\">{N(kind.Count)}</td><td>{E(string.Join(", ", kind.ExampleIds))}</td></tr>");
            html.Append("</table><div class=\"grid\">");
            Chart(html, "errors", ReportCharts.Categories("Errors by kind", "clips", stats.Errors.Select(k => (k.Kind, (double)k.Count)).ToList()));
            html.Append("</div>");
        }

        html.Append("\n<h2>Unpaired files</h2>\n");
        if (stats.Unpaired.Count == 0)
        {
            html.Append("<p>None.</p>");
        }
        else
        {
            // The normal form is shown where it is not NFC: an NFD name prints like its NFC twin.
            html.Append("<table><tr><th>file</th></tr>");
            foreach (var file in stats.Unpaired)
                html.Append($"<tr><td>{E(PairFinder.Spelled(file))}</td></tr>");
            html.Append("</table>");
        }

        html.Append("\n<h2>Folders</h2>\n<div class=\"grid\">");
        var top = stats.Folders.Where(f => f.Level == 1).ToList();
        Chart(html, "folders", ReportCharts.Categories("Hours per top-level folder", "hours", top.Select(f => (f.Folder, f.Hours)).ToList()));
        html.Append("</div><table><tr><th>folder</th><th>clips</th><th>hours</th></tr>");
        foreach (var folder in stats.Folders.OrderBy(f => f.Folder, StringComparer.Ordinal))
            html.Append($"<tr><td>{(folder.Level == 2 ? "&nbsp;&nbsp;&nbsp;&nbsp;" : "<b>")}{E(folder.Folder)}{(folder.Level == 1 ? "</b>" : "")}</td><td class=\"n\">{N(folder.Clips)}</td><td class=\"n\">{F(folder.Hours, "0.000")}</td></tr>");
        html.Append("</table>\n");

        if (stats.Shards.Count > 0)
        {
            html.Append("<h2>Shards</h2>\n<table><tr><th>shard</th><th>clips</th><th>errors</th><th>excluded</th><th>audio s</th><th>wall s</th><th>× realtime</th><th>peak MB</th><th>tokenized</th><th>reused</th></tr>");
            foreach (var s in stats.Shards)
                html.Append($"<tr><td>{s.Index} of {s.Count}</td><td class=\"n\">{N(s.Records)}</td><td class=\"n\">{N(s.Errors)}</td><td class=\"n\">{N(s.Excluded)}</td><td class=\"n\">{F(s.AudioSeconds, "0.0")}</td><td class=\"n\">{F(s.WallSeconds, "0.0")}</td><td class=\"n\">{F(s.TimesRealtime, "0.0")}</td><td class=\"n\">{F(s.PeakMemoryMb, "0")}</td><td class=\"n\">{N(s.Tokenized)}</td><td class=\"n\">{N(s.Reused)}</td></tr>");
            html.Append("</table><div class=\"grid\">");
            Chart(html, "shards", ReportCharts.Categories("Shard speed (× realtime)", "× realtime", stats.Shards.Select(s => ($"{s.Index}/{s.Count}", s.TimesRealtime)).ToList()));
            html.Append("</div>");
        }

        Parity.ParityReportSection.Render(html, stats.Parity);
        html.Append("\n</body></html>\n");
        return html.ToString();
    }

    private static void Total(StringBuilder html, string label, string value) =>
        html.Append($"<div class=\"total\"><b>{value}</b>{E(label)}</div>");

    private static void Chart(StringBuilder html, string id, string svg) =>
        html.Append($"<figure class=\"{ChartClass}\" id=\"chart-{id}\">{svg}</figure>");

    private static void DistributionTable(StringBuilder html, Distribution d)
    {
        html.Append("<table><tr><th></th><th>mean</th><th>std</th><th>min</th><th>p25</th><th>p50</th><th>p75</th><th>p99</th><th>p99.5</th><th>p99.9</th><th>max</th></tr>");
        DistributionRow(html, "", d);
        html.Append("</table>");
    }

    private static void DistributionRow(StringBuilder html, string label, Distribution d)
    {
        html.Append($"<tr><td>{E(label)}</td>");
        foreach (var value in new[] { d.Mean, d.Std, d.Min, d.P25, d.P50, d.P75, d.P99, d.P995, d.P999, d.Max })
            html.Append($"<td class=\"n\">{F(value, "0.00")}</td>");
        html.Append("</tr>");
    }

    private static void ClipValues(StringBuilder html, string title, IReadOnlyList<ClipValue> clips, string unit)
    {
        html.Append($"<h3>{E(title)}</h3>");
        if (clips.Count == 0)
        {
            html.Append("<p>None.</p>");
            return;
        }

        html.Append($"<table><tr><th>id</th><th>{E(unit)}</th></tr>");
        foreach (var clip in clips)
            html.Append($"<tr><td>{E(clip.Id)}</td><td class=\"n\">{F(clip.Value, "0.00")}</td></tr>");
        html.Append("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
