using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SpeechPairs.Bench;

/// <summary>
/// <c>bench pipeline</c>: the whole job — <c>dotnet msbuild pipeline.proj</c>, extraction to merge — on a generated
/// solid 7z of 48 kHz speech-like clips, with the full-size random-weight bundle, for each Procs value. Prints
/// wall time, audio hours per hour and each worker's peak memory. Needs 7zz (or 7z) on PATH to build the archive.
/// </summary>
public static partial class PipelineBenchmark
{
    public static int Run(double minutes, int[] procsList, string? onnx)
    {
        string root = Measure.RepoRoot();
        string bundle = SyntheticBundle.Ensure(onnx, Console.Error.WriteLine);
        string dir = Path.Combine(Path.GetTempPath(), "speechpairs-bench", $"pipeline-{minutes:0.#}min");
        string archive = Path.Combine(dir, "voices.7z");
        double audioSeconds = EnsureArchive(dir, archive, minutes);

        // Build the tools once, outside the timed runs.
        RunMsbuild(root, 1, ["-t:_SpBuildTasks;_SpBuildWorker"], out _);

        Console.WriteLine($"whole pipeline: {audioSeconds / 60:0.0} min of 48 kHz speech-like audio in a solid 7z, full-size random-weight bundle, {Environment.ProcessorCount} cores");
        var keys = new List<string>();
        foreach (int procs in procsList)
        {
            string work = Path.Combine(dir, $"work-{procs}") + Path.DirectorySeparatorChar;
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            var sw = Stopwatch.StartNew();
            int code = RunMsbuild(root, procs, [$"-p:Procs={procs}", $"-p:Archive={archive}", $"-p:TokenizerDir={bundle}", $"-p:WorkDir={work}"], out string output);
            double wall = sw.Elapsed.TotalSeconds;
            if (code != 0)
            {
                Console.Error.WriteLine(output);
                return code;
            }
            var peaks = PeakPattern().Matches(output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
            double rate = audioSeconds / wall;
            Console.WriteLine($"  Procs={procs} (TorchThreads={Math.Max(1, Environment.ProcessorCount / procs)}): {wall:0.0} s wall = {rate:0.00}x realtime = {rate:0.00} audio-hours per hour; worker peak memory {string.Join(", ", peaks.Select(p => $"{p:0} MB"))}");
            keys.Add($"procs{procs}_audio_hours_per_hour={rate:0.00} procs{procs}_wall_s={wall:0.0} procs{procs}_peak_ws_mb={(peaks.Length == 0 ? 0 : peaks.Max()):0}");
        }
        Console.WriteLine(string.Join(" ", keys) + $" audio_minutes={audioSeconds / 60:0.0} cores={Environment.ProcessorCount}");
        return 0;
    }

    private static int RunMsbuild(string root, int procs, string[] extra, out string output)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "msbuild", Path.Combine(root, "pipeline.proj"), $"-m:{procs}", "-nodeReuse:false", "-nologo", "-tl:off" }.Concat(extra))
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        output = process.StandardOutput.ReadToEnd() + stderr.Result;
        process.WaitForExit();
        return process.ExitCode;
    }

    // Clips of 2–9 s (mono and stereo, 16-bit) with short transcripts, packed once into a solid 7z.
    private static double EnsureArchive(string dir, string archive, double minutes)
    {
        string marker = archive + ".seconds";
        if (File.Exists(archive) && File.Exists(marker))
            return double.Parse(File.ReadAllText(marker), CultureInfo.InvariantCulture);
        string tree = Path.Combine(dir, "tree");
        if (Directory.Exists(tree)) Directory.Delete(tree, recursive: true);
        var random = new Random(5);
        double total = 0;
        for (int i = 0; total < minutes * 60; i++)
        {
            double seconds = 2 + random.NextDouble() * 7;
            int channels = i % 3 == 0 ? 2 : 1;
            string folder = Path.Combine(tree, "中文 - Chinese", $"角色 {i % 7}");
            Directory.CreateDirectory(folder);
            SpeechLikeAudio.WriteWav16(Path.Combine(folder, $"vo_{i:00000}.wav"), SpeechLikeAudio.Generate(seconds, 48000, channels, seed: 100 + i), 48000);
            File.WriteAllText(Path.Combine(folder, $"vo_{i:00000}.lab"), $"第{i}句台词。", new UTF8Encoding(false));
            total += seconds;
        }
        string sevenZip = new[] { "7zz", "7z" }.Select(FindOnPath).FirstOrDefault(p => p is not null)
            ?? throw new InvalidOperationException("bench pipeline needs 7zz or 7z on PATH to build its archive (Debian: apt-get install 7zip)");
        if (File.Exists(archive)) File.Delete(archive);
        var psi = new ProcessStartInfo(sevenZip) { WorkingDirectory = tree, RedirectStandardOutput = true };
        foreach (string a in new[] { "a", "-ms=on", "-mx=5", archive, "." }) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{sevenZip} failed with {p.ExitCode}");
        }
        Directory.Delete(tree, recursive: true);
        File.WriteAllText(marker, total.ToString("R", CultureInfo.InvariantCulture));
        return total;
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    [GeneratedRegex(@"peak memory (\d+) MB")]
    private static partial Regex PeakPattern();
}
