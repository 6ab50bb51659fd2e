using System.Diagnostics;

namespace SpeechPairs.Tests.Report;

/// <summary>
/// Debian's headless Chromium with every network path closed (a dead proxy, no host resolves), driven through its
/// command line only: <c>--screenshot</c> and <c>--dump-dom</c>, no DevTools protocol.
/// </summary>
internal static class HeadlessChromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    /// <summary>The browser, or null when none is installed (CHROMIUM overrides the search).</summary>
    public static string? Find() =>
        Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } configured ? configured : Candidates.FirstOrDefault(File.Exists);

    public static void Screenshot(string browser, string page, string png, int width, int height) =>
        Run(browser, [$"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(page).AbsoluteUri]);

    public static string DumpDom(string browser, string page) => Run(browser, ["--dump-dom", new Uri(page).AbsoluteUri]);

    private static string Run(string browser, IEnumerable<string> arguments)
    {
        var profile = Directory.CreateTempSubdirectory("speechpairs-chromium-");
        try
        {
            var start = new ProcessStartInfo(browser)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", $"--user-data-dir={profile.FullName}",
                     }.Concat(arguments))
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish within 2 minutes");
            }

            if (process.ExitCode != 0)
                throw new InvalidOperationException($"chromium exited {process.ExitCode}: {error.Result}");
            return output.Result;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
