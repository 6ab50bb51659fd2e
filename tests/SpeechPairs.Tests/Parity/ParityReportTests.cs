using System.Text.Json;
using SpeechPairs.Tests.Report;
using SpeechPairs.Worker.Parity;
using SpeechPairs.Worker.Report;

namespace SpeechPairs.Tests.Parity;

/// <summary>The report's parity section: there when the work dir holds a parity.json, absent otherwise.</summary>
public sealed class ParityReportTests
{
    private static ReportOptions Options(DemoJob demo, string? workDir) =>
        new(demo.Output, demo.ExtractDir, demo.Errors, workDir, ExcludePlaceholder: true, Examples: 10);

    [SkippableFact]
    public void A_parity_check_of_the_work_dir_gets_a_section_with_its_figures_and_differing_codes()
    {
        using var world = new ParityWorld();
        var (frame, _) = ParityWorld.Margins("p08_cmn_30p5s_16k").Where(m => m.Margin < ParityComparer.NearTieMargin).MinBy(m => m.Margin);
        var reference = world.WriteReference(c => c.Id == ParityWorld.IdOf("p08_cmn_30p5s_16k") ? ParityWorld.SwapVq02(c, frame) : c);
        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "2"));
        Assert.True(run.ExitCode == 0, run.ToString());
        using var demo = new DemoJob();

        var stats = new ReportBuilder(Options(demo, world.WorkDir)).Build();
        var html = ReportHtml.Render(stats);

        var parity = Assert.IsType<ParitySummary>(stats.Parity);
        Assert.Null(parity.Problem);
        Assert.Equal((2, 1, 1), (parity.Counts!.Clips, parity.Counts.Equal, parity.Counts.NearTieOnly));
        Assert.Equal(1, parity.DifferingCodes);
        Assert.Contains("<h2 id=\"parity\">Parity with the Step-Audio reference</h2>", html);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(parity.Verdict), html);
        Assert.Contains($"<td class=\"n\">{frame}</td>", html);
        Assert.Contains("<td>yes</td>", html);
        // No chart is added: the browser test counts them.
        Assert.Equal(ReportHtml.ChartCount(stats), html.Split($"class=\"{ReportHtml.ChartClass}\"").Length - 1);
    }

    [SkippableFact]
    public void Stats_json_carries_the_parity_summary()
    {
        using var demo = new DemoJob();
        using var world = new ParityWorld();
        Directory.CreateDirectory(world.WorkDir);
        File.Copy(WrittenResult(world), world.ResultPath);

        var stats = ReportWriter.Write(Options(demo, world.WorkDir));

        using var json = JsonDocument.Parse(File.ReadAllText(Options(demo, world.WorkDir).StatsPath));
        var parity = json.RootElement.GetProperty("parity");
        Assert.Equal("every string equal (3 clips)", parity.GetProperty("verdict").GetString());
        Assert.Equal(3, parity.GetProperty("counts").GetProperty("equal").GetInt32());
        Assert.Contains("Parity with the Step-Audio reference", File.ReadAllText(Options(demo, world.WorkDir).HtmlPath));
        Assert.NotNull(stats.Parity);
    }

    [SkippableFact]
    public void Without_a_parity_check_there_is_no_section()
    {
        using var demo = new DemoJob();
        using var world = new ParityWorld();
        Directory.CreateDirectory(world.WorkDir);

        foreach (var workDir in new[] { null, world.WorkDir })
        {
            var stats = new ReportBuilder(Options(demo, workDir)).Build();
            Assert.Null(stats.Parity);
            Assert.DoesNotContain("id=\"parity\"", ReportHtml.Render(stats));
        }
    }

    [SkippableFact]
    public void An_unreadable_parity_file_is_shown_as_such_and_the_report_still_builds()
    {
        using var demo = new DemoJob();
        using var world = new ParityWorld();
        Directory.CreateDirectory(world.WorkDir);
        File.WriteAllText(world.ResultPath, "{ not json");

        var stats = new ReportBuilder(Options(demo, world.WorkDir)).Build();

        Assert.Contains("cannot be read", stats.Parity!.Problem);
        Assert.Contains("cannot be read", ReportHtml.Render(stats));
    }

    /// <summary>A parity.json as the command writes it, for three equal clips (no tokenizer run needed for the report).</summary>
    private static string WrittenResult(ParityWorld world)
    {
        var clips = Enumerable.Range(0, 3).Select(i => new ParityClipResult($"c{i}", $"c{i}.wav", "", 1, ClipParity.Equal, 16, 16, 25, 25, 0, null, null)).ToList();
        var result = new ParityResult(ParityResult.CurrentVersion, DateTimeOffset.UnixEpoch, "every string equal (3 clips)", 0, 0, 32, 3,
            ParityComparer.NearTieMargin, new ParitySettings("bundle", 0, false, "cpu"),
            new ParityReferenceInfo("file", "reference.json", null, null, JsonSerializer.SerializeToElement(new { device = "mps" })),
            new ParityCounts(3, 3, 0, 0, 0), new CodeTally(48, 48), new CodeTally(75, 75), [], clips);
        var path = world.Combine("written-parity.json");
        result.Write(path);
        return path;
    }
}
