using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Parity;

/// <summary>What the report shows of a parity check (and <c>OUT.stats.json</c> carries under "parity").</summary>
/// <param name="Problem">Why parity.json could not be read; the other figures are then empty.</param>
/// <param name="Differences">The first differing codes; parity.json has all of them.</param>
public sealed record ParitySummary(
    string? Problem,
    string Verdict,
    int ExitCode,
    DateTimeOffset CheckedUtc,
    ulong Seed,
    ParityCounts? Counts,
    double Vq02PercentEqual,
    double Vq06PercentEqual,
    string ReferenceSource,
    string? ReferenceDevice,
    string Device,
    float Dither,
    int DifferingCodes,
    IReadOnlyList<ParityDifference> Differences);

/// <summary>The report's parity section: present when the work dir holds a parity.json.</summary>
public static class ParityReportSection
{
    /// <summary>Differences listed in the report.</summary>
    public const int ListedDifferences = 50;

    /// <summary>The summary of <c>WORKDIR/parity.json</c>; null when there is no work dir or no check was run.</summary>
    public static ParitySummary? Read(string? workDir)
    {
        if (workDir is null || !File.Exists(ParityFiles.Result(workDir)))
            return null;
        ParityResult result;
        try
        {
            result = ParityResult.Read(ParityFiles.Result(workDir));
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            // The report is about the output; an unreadable parity file is shown as such, not a failed report.
            return new ParitySummary($"{ParityFiles.Result(workDir)} cannot be read: {Messages.FirstLine(e.Message)}", "", 0,
                default, 0, null, 0, 0, "", null, "", 0, 0, []);
        }

        string? referenceDevice = null;
        if (result.Reference.Run is { ValueKind: JsonValueKind.Object } run && run.TryGetProperty("device", out var device) && device.ValueKind == JsonValueKind.String)
            referenceDevice = device.GetString();
        return new ParitySummary(null, result.Verdict, result.ExitCode, result.CheckedUtc, result.Seed, result.Counts,
            result.Vq02.PercentEqual, result.Vq06.PercentEqual, result.Reference.Source, referenceDevice, result.Settings.Device,
            result.Settings.Dither, result.Differences.Count, result.Differences.Take(ListedDifferences).ToList());
    }

    public static void Render(StringBuilder html, ParitySummary? parity)
    {
        if (parity is null)
            return;
        html.Append("\n<h2 id=\"parity\">Parity with the Step-Audio reference</h2>\n");
        if (parity.Problem is not null || parity.Counts is not { } c)
        {
            html.Append($"<p>{E(parity.Problem ?? "no figures")}</p>");
            return;
        }

        html.Append($"<p><b>{E(parity.ExitCode == 0 ? "Parity" : "Differences found")}</b>: {E(parity.Verdict)}</p>");
        html.Append("<table>");
        Row(html, "clips checked", N(c.Clips));
        Row(html, "clips equal", N(c.Equal));
        Row(html, "near-tie only", N(c.NearTieOnly));
        Row(html, "differ", N(c.Differing));
        Row(html, "refused by both", N(c.FailedBoth));
        Row(html, "vq02 codes equal", F(parity.Vq02PercentEqual) + " %");
        Row(html, "vq06 codes equal", F(parity.Vq06PercentEqual) + " %");
        Row(html, "reference", parity.ReferenceSource == "file" ? "recorded output" : "Python, run for this check");
        Row(html, "device (reference / SpeechPairs)", $"{parity.ReferenceDevice ?? "?"} / {parity.Device}");
        Row(html, "dither", parity.Dither.ToString("R", CultureInfo.InvariantCulture));
        Row(html, "seed", parity.Seed.ToString(CultureInfo.InvariantCulture));
        Row(html, "checked", parity.CheckedUtc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        html.Append("</table>");
        if (parity.Differences.Count == 0)
            return;

        html.Append($"<h3>Differing codes ({N(parity.DifferingCodes)}{(parity.DifferingCodes > parity.Differences.Count ? $", first {N(parity.Differences.Count)}" : "")})</h3>");
        html.Append("<table><tr><th>clip</th><th>list</th><th>frame</th><th>reference</th><th>SpeechPairs</th><th>reference relative margin</th><th>near-tie</th></tr>");
        foreach (var d in parity.Differences)
        {
            var margin = d.RelativeMargin is { } m ? m.ToString("0.###e+0", CultureInfo.InvariantCulture) : "–";
            html.Append($"<tr><td>{E(d.Id)}</td><td>{E(d.Stream.ToString().ToLowerInvariant())}</td><td class=\"n\">{N(d.Frame)}</td>" +
                $"<td class=\"n\">{Code(d.Reference)}</td><td class=\"n\">{Code(d.Ours)}</td><td class=\"n\">{margin}</td><td>{(d.NearTie ? "yes" : "no")}</td></tr>");
        }

        html.Append("</table>");
    }

    private static void Row(StringBuilder html, string label, string value) => html.Append($"<tr><td>{E(label)}</td><td>{E(value)}</td></tr>");

    private static string Code(int? code) => code?.ToString(CultureInfo.InvariantCulture) ?? "–";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
