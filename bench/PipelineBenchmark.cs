using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using static TorchSharp.torch;

namespace SpeechPairs.Bench;

/// <summary>
/// <c>bench pipeline</c>: the whole job — <c>dotnet msbuild pipeline.proj</c>, extraction to merge — on a generated
/// solid 7z of 48 kHz speech-like clips, with the full-size random-weight bundle, for each Procs value. Prints
/// wall time, audio hours per hour, each worker's peak memory, and each stage's share of the wall time: MSBuild's task
/// summary times extraction, the shards and the merge; the shards' done records time their stages. <c>limit_xrt</c> is
/// all of the archive's vq02 + vq06 arithmetic at this machine's fp32 matmul rate on all cores. Needs 7zz (or 7z) on
/// PATH to build the archive.
/// </summary>
public static partial class PipelineBenchmark
{
    public static int Run(double minutes, int[] procsList, string? onnx)
    {
        string root = Measure.RepoRoot();
        string bundle = SyntheticBundle.Ensure(onnx, Console.Error.WriteLine);
        string dir = Path.Combine(Path.GetTempPath(), "speechpairs-bench", $"pipeline-{minutes:0.#}min");
        string archive = Path.Combine(dir, "voices.7z");
        var (audioSeconds, clipFrames) = EnsureArchive(dir, archive, minutes);
        var vq06Shape = onnx is null ? Vq06Flops.Tiny : Vq06Flops.FullSize;
        var flops = clipFrames.Select(f => WorkloadFlops.Count(ExpectedTokenCount.ResampledLength(f, 48000), vq06Shape))
            .Aggregate((Vq02: 0.0, Vq06: 0.0), (a, c) => (a.Vq02 + c.Vq02, a.Vq06 + c.Vq06));
        set_num_threads(Environment.ProcessorCount);
        double matmul = TokenizerBenchmark.MatmulGflops();
        // The tokenizer's own figure (bench tokenizer's whole-tokenizer row) in the same minutes as the jobs, before and
        // after them: the machine's speed drifts by ±15 % within minutes, so a figure from another run says little.
        using var sameMinutes = new TokenizerFigure(bundle);
        sameMinutes.Measure();

        // Build the tools once, outside the timed runs.
        RunMsbuild(root, 1, ["-t:_SpBuildTasks;_SpBuildWorker"], out _);

        Console.WriteLine($"whole pipeline: {audioSeconds / 60:0.0} min of 48 kHz speech-like audio in a solid 7z, full-size random-weight bundle, {Environment.ProcessorCount} cores");
        var keys = new List<string>();
        double bestWall = double.MaxValue;
        foreach (int procs in procsList)
        {
            string work = Path.Combine(dir, $"work-{procs}") + Path.DirectorySeparatorChar;
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            var sw = Stopwatch.StartNew();
            int code = RunMsbuild(root, procs, [$"-p:Procs={procs}", $"-p:Archive={archive}", $"-p:TokenizerDir={bundle}", $"-p:WorkDir={work}", "-clp:PerformanceSummary"], out string output);
            double wall = sw.Elapsed.TotalSeconds;
            if (code != 0)
            {
                Console.Error.WriteLine(output);
                return code;
            }
            var peaks = PeakPattern().Matches(output).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
            double rate = audioSeconds / wall;
            Console.WriteLine($"  Procs={procs} (TorchThreads={Math.Max(1, Environment.ProcessorCount / procs)}): {wall:0.0} s wall = {rate:0.00}x realtime = {rate:0.00} audio-hours per hour; worker peak memory {string.Join(", ", peaks.Select(p => $"{p:0} MB"))}");
            PrintShares(wall, procs, output, work);
            keys.Add($"procs{procs}_audio_hours_per_hour={rate:0.00} procs{procs}_wall_s={wall:0.0} procs{procs}_peak_ws_mb={(peaks.Length == 0 ? 0 : peaks.Max()):0}");
            bestWall = Math.Min(bestWall, wall);
        }
        sameMinutes.Measure();
        set_num_threads(Environment.ProcessorCount);
        matmul = Math.Max(matmul, TokenizerBenchmark.MatmulGflops());
        double limitSeconds = (flops.Vq02 + flops.Vq06) / (matmul * 1e9);
        Console.WriteLine($"  arithmetic: vq02 {flops.Vq02 / 1e9:0} GFLOP + vq06 {flops.Vq06 / 1e9:0} GFLOP ({vq06Shape.State} wide); 2048² fp32 matmul {matmul:0.0} GFLOP/s on {Environment.ProcessorCount} threads "
            + $"→ limit {audioSeconds / limitSeconds:0.00}x realtime; the better run is at {100 * limitSeconds / bestWall:0}% of it");
        double jobXrt = audioSeconds / bestWall;
        Console.WriteLine($"  the tokenizer alone on a {TokenizerFigure.Seconds:0} s clip (bench tokenizer's figure), before and after the jobs: "
            + $"{string.Join(", ", sameMinutes.Runs.Select(x => $"{x:0.00}x"))}; the better job runs at {100 * jobXrt / sameMinutes.Best:0}% of the best");
        Console.WriteLine(string.Join(" ", keys) + $" audio_minutes={audioSeconds / 60:0.0} cores={Environment.ProcessorCount} matmul_gflops={matmul:0.0} "
            + $"limit_xrt={audioSeconds / limitSeconds:0.00} job_xrt={jobXrt:0.00} tokenizer_xrt={sameMinutes.Best:0.00} job_pct_of_tokenizer={100 * jobXrt / sameMinutes.Best:0}");
        return 0;
    }

    // Shard stages are averaged over the shards (they run side by side); the rest is MSBuild's own task timing.
    private static void PrintShares(double wall, int procs, string output, string work)
    {
        var tasks = TaskSeconds(output);
        var stages = Directory.GetFiles(work, ShardFiles.DonePattern).Select(DoneRecord.TryRead).Select(d => d?.Stages).OfType<StageSeconds>().ToList();
        double Mean(Func<StageSeconds, double> f) => stages.Count == 0 ? 0 : stages.Average(f);
        double Task(string name) => tasks.GetValueOrDefault(name);
        double shardTasks = Task("RunShard") / procs;
        double shardTotal = Mean(s => s.Total);
        var rows = new List<(string Stage, double Seconds)>
        {
            ("extraction (ExtractArchive)", Task("ExtractArchive")),
            ("shard process start (.NET, libtorch, ONNX Runtime)", Math.Max(0, shardTasks - shardTotal)),
            ("model load (both models, checked)", Mean(s => s.ModelLoad)),
            ("waiting for the decoder", Mean(s => s.DecodeWait)),
            ("preprocess (resample, energy norm)", Mean(s => s.Preprocess)),
            ("vq02 front end (fbank, LFR, CMVN)", Mean(s => s.Vq02FrontEnd)),
            ("vq02 encoder + nearest centroid", Mean(s => s.Vq02Encoder)),
            ("vq06 (log-mel + ONNX)", Mean(s => s.Vq06)),
            ("writing the shard output", Mean(s => s.Write)),
            ("rest of the shard (pairs, batches, progress)", Mean(s => s.Other)),
            ("the slowest shard's lead over the mean", stages.Count == 0 ? 0 : stages.Max(s => s.Total) - shardTotal),
            ("merge (MergeShards)", Task("MergeShards")),
            ("verify + report", Task("VerifyOutput") + Task("WriteReport")),
        };
        rows.Add(("msbuild start, evaluation, validation, the rest", Math.Max(0, wall - rows.Sum(r => r.Seconds))));
        Console.WriteLine($"    share of the {wall:0.0} s wall time (shard stages averaged over {stages.Count} shard(s)):");
        foreach (var (stage, seconds) in rows)
            Console.WriteLine($"      {stage,-56} {seconds,7:0.0} s {100 * seconds / wall,6:0.0}%");
        Console.WriteLine($"      {"(decoding, in the background beside the above)",-56} {Mean(s => s.Decode),7:0.0} s");
    }

    // MSBuild's "Task Performance Summary" (-clp:PerformanceSummary): milliseconds per task, summed over its calls.
    private static Dictionary<string, double> TaskSeconds(string output)
    {
        var result = new Dictionary<string, double>();
        int start = output.IndexOf("Task Performance Summary:", StringComparison.Ordinal);
        if (start < 0) return result;
        foreach (Match m in SummaryLine().Matches(output[start..]))
            result[m.Groups[2].Value] = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) / 1000;
        return result;
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
    // Returns the audio seconds and every clip's length in 48 kHz frames (for the arithmetic).
    private static (double Seconds, long[] Frames) EnsureArchive(string dir, string archive, double minutes)
    {
        string marker = archive + ".seconds", lengths = archive + ".frames";
        if (File.Exists(archive) && File.Exists(marker) && File.Exists(lengths))
            return (double.Parse(File.ReadAllText(marker), CultureInfo.InvariantCulture), File.ReadAllLines(lengths).Select(long.Parse).ToArray());
        string tree = Path.Combine(dir, "tree");
        if (Directory.Exists(tree)) Directory.Delete(tree, recursive: true);
        var random = new Random(5);
        double total = 0;
        var frames = new List<long>();
        for (int i = 0; total < minutes * 60; i++)
        {
            double seconds = 2 + random.NextDouble() * 7;
            int channels = i % 3 == 0 ? 2 : 1;
            string folder = Path.Combine(tree, "中文 - Chinese", $"角色 {i % 7}");
            Directory.CreateDirectory(folder);
            var audio = SpeechLikeAudio.Generate(seconds, 48000, channels, seed: 100 + i);
            frames.Add(audio[0].Length);
            SpeechLikeAudio.WriteWav16(Path.Combine(folder, $"vo_{i:00000}.wav"), audio, 48000);
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
        File.WriteAllLines(lengths, frames.Select(f => f.ToString(CultureInfo.InvariantCulture)));
        return (total, frames.ToArray());
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    [GeneratedRegex(@"^\s*(\d+) ms\s+(\S+)\s+\d+ calls", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"peak memory (\d+) MB")]
    private static partial Regex PeakPattern();
}
