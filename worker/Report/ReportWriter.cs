using SpeechPairs.Contract;
using System.Text.Json;

namespace SpeechPairs.Worker.Report;

/// <summary>Writes <c>OUT.stats.json</c> (the figures, snake_case keys) and <c>OUT.report.html</c>, each through a temporary file and a rename.</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions StatsJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static ReportStats Write(ReportOptions options)
    {
        var stats = new ReportBuilder(options).Build();
        AtomicFile.Write(options.StatsPath, JsonSerializer.Serialize(stats, StatsJson) + "\n");
        AtomicFile.Write(options.HtmlPath, ReportHtml.Render(stats));
        return stats;
    }

    public static ReportStats? ReadStats(string path) => JsonSerializer.Deserialize<ReportStats>(File.ReadAllText(path), StatsJson);
}
