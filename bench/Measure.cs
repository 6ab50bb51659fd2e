using System.Diagnostics;

namespace SpeechPairs.Bench;

/// <summary>Timing and memory readings for the benchmarks.</summary>
public static class Measure
{
    /// <summary>Best wall time of <paramref name="repeat"/> runs, in seconds, and the last result.</summary>
    public static (double Seconds, T Result) Best<T>(int repeat, Func<T> body)
    {
        double best = double.MaxValue;
        T result = default!;
        for (int i = 0; i < Math.Max(1, repeat); i++)
        {
            var sw = Stopwatch.StartNew();
            result = body();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (best, result);
    }

    /// <summary>Peak resident set of this process in MB (VmHWM on Linux; the runtime's peak working set elsewhere).</summary>
    public static double PeakWorkingSetMb()
    {
        try
        {
            if (File.Exists("/proc/self/status"))
            {
                foreach (string line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        return double.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        using var p = Process.GetCurrentProcess();
        return p.PeakWorkingSet64 / 1048576.0;
    }

    /// <summary>Where the repository's fixtures are (benchmarks borrow the tiny ONNX model and am.mvn from them).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "pipeline.slnx"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "pipeline.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("run the benchmarks from inside the SpeechPairs checkout");
    }
}
