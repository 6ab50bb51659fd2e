using SkiaSharp;
using SpeechPairs.Tests.Verify;
using SpeechPairs.Worker.Report;

namespace SpeechPairs.Tests.Report;

/// <summary>
/// Opens the report in headless Chromium with the network closed and checks that the charts rendered: the DOM holds
/// every chart's SVG, and the screenshot is not blank and shows chart bars. With SPEECHPAIRS_WRITE_DOCS_SCREENSHOT=1,
/// the demo job's screenshot is written to docs/report.png (the README's picture).
/// </summary>
public sealed class ReportBrowserTests
{
    private const int ScreenshotWidth = 1200;
    private const int ScreenshotHeight = 1500;

    [SkippableFact]
    public void The_demo_report_renders_its_charts_offline()
    {
        var browser = HeadlessChromium.Find();
        Skip.If(browser is null, "Chromium not found (install Debian's chromium, or set CHROMIUM to a browser)");
        using var demo = new DemoJob();
        var options = ReportBuilderTests.Options(demo.Output, demo.ExtractDir, null);
        var stats = ReportWriter.Write(options);

        var png = RenderAndCheck(browser!, options, stats);

        if (Environment.GetEnvironmentVariable("SPEECHPAIRS_WRITE_DOCS_SCREENSHOT") == "1")
            File.Copy(png, Path.Combine(RepositoryRoot(), "docs", "report.png"), overwrite: true);
    }

    [SkippableFact]
    public void A_report_with_shards_and_errors_renders_every_chart()
    {
        var browser = HeadlessChromium.Find();
        Skip.If(browser is null, "Chromium not found (install Debian's chromium, or set CHROMIUM to a browser)");
        using var world = new VerifyWorld();
        var options = ReportBuilderTests.Options(world.Output, world.ExtractDir, world.WorkDir);
        var stats = ReportWriter.Write(options);

        Assert.Equal(9, ReportHtml.ChartCount(stats));
        RenderAndCheck(browser!, options, stats);
    }

    private static string RenderAndCheck(string browser, ReportOptions options, ReportStats stats)
    {
        var dom = HeadlessChromium.DumpDom(browser, options.HtmlPath);
        var charts = ReportHtml.ChartCount(stats);
        Assert.Equal(charts, ReportBuilderTests.CountOf(dom, $"<figure class=\"{ReportHtml.ChartClass}\""));
        Assert.True(ReportBuilderTests.CountOf(dom, "<svg") >= charts);

        var png = options.Output + ".png";
        HeadlessChromium.Screenshot(browser, options.HtmlPath, png, ScreenshotWidth, ScreenshotHeight);
        using var image = SKBitmap.Decode(png);
        Assert.NotNull(image);
        Assert.Equal(ScreenshotWidth, image.Width);
        Assert.True(LuminanceVariance(image) > 100, "the screenshot is (nearly) blank");
        // Bars are drawn in ScottPlot fill #3B73B9: thousands of such pixels mean the charts were painted.
        Assert.True(CountNear(image, new SKColor(0x3B, 0x73, 0xB9)) > 2000, "no chart bars in the screenshot");
        return png;
    }

    private static double LuminanceVariance(SKBitmap image)
    {
        double sum = 0, squares = 0;
        long n = 0;
        for (var y = 0; y < image.Height; y += 2)
        {
            for (var x = 0; x < image.Width; x += 2)
            {
                var c = image.GetPixel(x, y);
                var l = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                sum += l;
                squares += l * l;
                n++;
            }
        }

        var mean = sum / n;
        return squares / n - mean * mean;
    }

    private static int CountNear(SKBitmap image, SKColor target)
    {
        var count = 0;
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var c = image.GetPixel(x, y);
                if (Math.Abs(c.Red - target.Red) + Math.Abs(c.Green - target.Green) + Math.Abs(c.Blue - target.Blue) < 24)
                    count++;
            }
        }

        return count;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "pipeline.slnx")))
                return dir.FullName;
        }

        throw new DirectoryNotFoundException("pipeline.slnx not found above " + AppContext.BaseDirectory);
    }
}
