using System.Diagnostics;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Bench;

/// <summary>
/// A shard run without a cache entry (cold), the merge into the cache, and the same tree again (all hits): wall
/// times, the speed-up, the cache's size per 1000 clips and a byte comparison of the two outputs.
/// </summary>
public static class TokenCacheBenchmark
{
    public static int Run(int clips, bool fullSize)
    {
        var bundle = fullSize ? SyntheticBundle.Ensure(null, Console.Error.WriteLine) : SyntheticBundle.FixtureBundle;
        var work = Path.Combine(Path.GetTempPath(), "speechpairs-bench", "token-cache-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var tree = Path.Combine(work, "extract");
            double audioSeconds = 0;
            for (var i = 0; i < clips; i++)
            {
                var folder = Path.Combine(tree, "角色 " + i % 7);
                Directory.CreateDirectory(folder);
                var seconds = 2 + i * 37 % 40 / 10.0; // 2-6 s, like game voice lines
                audioSeconds += seconds;
                SpeechLikeAudio.WriteWav16(Path.Combine(folder, $"vo_{i:00000}.wav"), SpeechLikeAudio.Generate(seconds, 48000, 1, seed: 100 + i), 48000);
                File.WriteAllText(Path.Combine(folder, $"vo_{i:00000}.lab"), $"第{i}句台词");
            }

            var setup = new TokenizerSetup(bundle, new ModelOptions { Device = ComputeDeviceKind.Cpu, TorchThreads = Environment.ProcessorCount }, new TokenizeOptions(), _ => { });
            var cache = Path.Combine(work, "tokens.sqlite");
            var keyClock = Stopwatch.StartNew();
            TokenizerSettingsKey.Compute(setup);
            var keySeconds = keyClock.Elapsed.TotalSeconds;
            keyClock.Restart();
            var memoKey = TokenizerSettingsKey.Compute(setup, TokenizerSettingsKey.MemoPathFor(cache));
            var firstMemoSeconds = keyClock.Elapsed.TotalSeconds;
            keyClock.Restart();
            var memoOk = TokenizerSettingsKey.Compute(setup, TokenizerSettingsKey.MemoPathFor(cache)) == memoKey;
            var memoSeconds = keyClock.Elapsed.TotalSeconds;

            var (coldSeconds, cold) = Shard(tree, Path.Combine(work, "cold", "out.jsonl.gz"), setup, cache);
            var mergeClock = Stopwatch.StartNew();
            TokenCacheWriter.AddEntries(cache, [new SpeechPairs.Contract.ShardFiles(Path.Combine(work, "cold", "out.jsonl.gz")).CacheEntries], TextWriter.Null);
            var mergeSeconds = mergeClock.Elapsed.TotalSeconds;
            var (warmSeconds, warm) = Shard(tree, Path.Combine(work, "warm", "out.jsonl.gz"), setup, cache);
            var identical = File.ReadAllBytes(Path.Combine(work, "cold", "out.jsonl.gz")).AsSpan()
                .SequenceEqual(File.ReadAllBytes(Path.Combine(work, "warm", "out.jsonl.gz")));
            var cacheBytes = new FileInfo(cache).Length;

            Console.WriteLine($"token cache: {clips} clips, {audioSeconds / 60:0.0} min of 48 kHz speech-like audio, " +
                              $"{(fullSize ? "full-size random" : "tiny fixture")} bundle, {Environment.ProcessorCount} cores");
            Console.WriteLine($"  cold (no entry; tokenized {cold.Tokenized}): {coldSeconds:0.00} s = {clips / coldSeconds:0.0} clips/s");
            Console.WriteLine($"  warm (all hits; reused {warm.Reused}, tokenized {warm.Tokenized}): {warmSeconds:0.00} s = {clips / warmSeconds:0.0} clips/s");
            Console.WriteLine($"  speed-up {coldSeconds / warmSeconds:0.0}x; outputs byte-identical: {identical}");
            Console.WriteLine($"  settings key: {keySeconds:0.00} s hashing the bundle ({firstMemoSeconds:0.00} s again), {memoSeconds:0.000} s from the memo (same key: {memoOk}); merge: {mergeSeconds:0.00} s; " +
                              $"cache {cacheBytes / 1e6:0.00} MB = {cacheBytes / 1e6 / clips * 1000:0.00} MB per 1000 clips ({audioSeconds / clips:0.0} s each)");
            Console.WriteLine($"cold_s={coldSeconds:0.00} warm_s={warmSeconds:0.00} speedup={coldSeconds / warmSeconds:0.0} " +
                              $"cache_mb_per_1000={cacheBytes / 1e6 / clips * 1000:0.00} identical={identical}");
            return identical && warm.Tokenized == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static (double Seconds, ShardRunner Runner) Shard(string tree, string output, TokenizerSetup setup, string cache)
    {
        var job = new ShardJob(tree, new SpeechPairs.Contract.ShardFiles(output), new ShardSelection(0, 1), Resume: false, UseDoneMarker: false,
            ExcludePlaceholder: false, MaxDurationSeconds: null, BatchSeconds: 120, ProgressInterval: TimeSpan.FromMinutes(10));
        var runner = new ShardRunner(job, new TokenizerWavReader(), () => StepAudioClipTokenizer.Load(setup), TextWriter.Null,
            tokenCache: new TokenCacheOptions(cache, () => TokenizerSettingsKey.Compute(setup, TokenizerSettingsKey.MemoPathFor(cache))));
        var clock = Stopwatch.StartNew();
        runner.Run();
        return (clock.Elapsed.TotalSeconds, runner);
    }
}
