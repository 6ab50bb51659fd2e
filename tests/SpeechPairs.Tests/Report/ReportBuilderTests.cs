using System.Net;
using System.Text;
using System.Text.Json;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Verify;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Report;
using SpeechPairs.Worker.Verify;

namespace SpeechPairs.Tests.Report;

/// <summary>The report's figures on the demo job (real reference tokens) and on a generated job with shards.</summary>
public sealed class ReportBuilderTests
{
    [SkippableFact]
    public void The_demo_output_verifies_with_the_reference_tokens()
    {
        using var demo = new DemoJob();
        var result = new OutputVerifier(new VerifyOptions(demo.Output, demo.ExtractDir, demo.Errors, null, null,
            ExcludePlaceholder: true, MaxDurationSeconds: null, Trim: false, Examples: 3)).Run();

        Assert.True(result.Verified, result.Problems.Describe());
        Assert.Equal(6, result.Records);
        Assert.Equal(2, result.Errors);
    }

    [SkippableFact]
    public void Demo_figures_count_clips_errors_exclusions_formats_and_folders()
    {
        using var demo = new DemoJob();
        var stats = new ReportBuilder(Options(demo.Output, demo.ExtractDir, null)).Build();

        var t = stats.Totals;
        Assert.Equal((6, 2, 1, 1, 1), (t.Clips, t.Errors, t.Excluded, t.ExcludedPlaceholder, t.UnpairedWav));
        // p01 2.5 s, p03 2.3 s, p05 2.4 s, p07 1.0 s, p02 1.9225 s, p04 2.4 s
        Assert.Equal(12.5225 / 3600, t.AudioHours, 9);
        Assert.Equal(105 + 95 + 100 + 40 + 80 + 100, t.Tokens);
        Assert.Equal(1.0, stats.DurationSeconds.Min, 9);
        Assert.Equal(2.5, stats.DurationSeconds.Max, 9);
        Assert.Equal(2.35, stats.DurationSeconds.P50, 9);
        Assert.Equal(6, stats.DurationHistogram.Counts.Sum());
        Assert.Equal([("16000", 2L), ("48000", 2L), ("22050", 1L), ("44100", 1L)], stats.SampleRates.Select(s => (s.Value, s.Clips)));
        Assert.Equal([("1", 5L), ("2", 1L)], stats.Channels.Select(s => (s.Value, s.Clips)));
        Assert.Equal(["no tokens", "wav"], stats.Errors.Select(e => e.Kind).Order(StringComparer.Ordinal));
        Assert.Contains(stats.Folders, f => f is { Folder: "中文 - Chinese", Level: 1, Clips: 4 });
        Assert.Contains(stats.Folders, f => f is { Folder: "English - 英语", Level: 1, Clips: 1 });
        // The silent clip's "……" is 2 characters in 1 s: the lowest rate.
        Assert.Equal("中文 - Chinese/静音 - 一秒", stats.LowestCharactersPerSecond[0].Id);
        Assert.Equal("English - 英语/Traveler - Hello there", stats.HighestCharactersPerSecond[0].Id);
        Assert.InRange(stats.TokensPerSecond.P50, 0.8 * stats.NominalTokensPerSecond, 1.2 * stats.NominalTokensPerSecond);
        Assert.Empty(stats.Shards);
    }

    [SkippableFact]
    public void Shard_figures_come_from_the_done_records()
    {
        using var world = new VerifyWorld();
        var stats = new ReportBuilder(Options(world.Output, world.ExtractDir, world.WorkDir)).Build();

        Assert.Equal([0, 1], stats.Shards.Select(s => s.Index));
        Assert.Equal(stats.Totals.Clips, stats.Shards.Sum(s => s.Records));
        Assert.All(stats.Shards, s => Assert.Equal(s.AudioSeconds / s.WallSeconds, s.TimesRealtime, 9));
        Assert.Contains(stats.Errors, e => e.Kind == "too long" && e.Count == 1);
        Assert.Equal(1, stats.Totals.ExcludedTooLong);
    }

    [SkippableFact]
    public void Stats_and_page_are_written_and_the_stats_read_back()
    {
        using var world = new VerifyWorld();
        var options = Options(world.Output, world.ExtractDir, world.WorkDir);
        var written = ReportWriter.Write(options);

        var read = ReportWriter.ReadStats(options.StatsPath)!;
        Assert.Equal(written.Totals, read.Totals);
        Assert.Equal(written.DurationSeconds, read.DurationSeconds);
        var html = File.ReadAllText(options.HtmlPath);
        Assert.Equal(ReportHtml.ChartCount(written), CountOf(html, $"<figure class=\"{ReportHtml.ChartClass}\""));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Unpaired_files_are_listed_by_name_in_the_stats_and_the_page()
    {
        using (var probe = new TempDir())
            MacNames.SkipUnlessNamesAreBytes(probe.Path);
        var creme = $"fr/{MacNames.Nfd("crème")}.wav";
        using var world = new VerifyWorld(moreFiles: root =>
        {
            TestWav.Write(TestArchive.PathOf(root, creme), 0.5, seed: 14);
            TestArchive.WriteFile(root, "fr/orphan.lab", Encoding.UTF8.GetBytes("Seul."));
        });
        var options = Options(world.Output, world.ExtractDir, world.WorkDir);
        ReportWriter.Write(options);

        string[] expected = [creme, "fr/orphan.lab", "Unpaired/orphan.wav"];
        Array.Sort(expected, StringComparer.Ordinal);
        using var stats = JsonDocument.Parse(File.ReadAllText(options.StatsPath));
        Assert.Equal(expected, stats.RootElement.GetProperty("unpaired").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(expected, ReportWriter.ReadStats(options.StatsPath)!.Unpaired);
        var html = File.ReadAllText(options.HtmlPath);
        // The NFD name is marked: it prints like an NFC one.
        Assert.Contains($"<td>{WebUtility.HtmlEncode(creme)} (NFD)</td>", html);
        Assert.Contains("<td>fr/orphan.lab</td>", html);
        Assert.Contains("<td>Unpaired/orphan.wav</td>", html);
    }

    internal static ReportOptions Options(string output, string extractDir, string? workDir) =>
        new(output, extractDir, output + ".errors.jsonl", workDir, ExcludePlaceholder: true, Examples: 5);

    internal static int CountOf(string text, string part)
    {
        int count = 0, at = 0;
        while ((at = text.IndexOf(part, at, StringComparison.Ordinal)) >= 0)
        {
            count++;
            at += part.Length;
        }

        return count;
    }
}
