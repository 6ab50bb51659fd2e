using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.TokenCache;

/// <summary>The token cache with the real WAV reader, the real tokenizer on the fixture bundle and a real settings key.</summary>
public sealed class TokenCacheStepAudioTests
{
    private static readonly string Fixtures = FindFixtures();
    private static readonly string Bundle = Path.Combine(Fixtures, "Step-Audio-Tokenizer");

    // Short cases of several rates, channel counts and encodings (the 30 s ones only cost time here).
    private static readonly string[] Cases = ["p01_cmn_48k_stereo_s16", "p02_en_48k_mono_s16", "p03_cmn_44k1_s24", "p06_short_0p02s_16k", "p07_silence_1s_16k"];

    [SkippableFact]
    public void A_second_version_through_the_real_tokenizer_equals_a_cacheless_run_and_reuses_every_unchanged_clip()
    {
        using var temp = new TempDir();
        var v1 = temp.Combine("v1");
        foreach (var caseName in Cases)
            AddPair(v1, $"语音/{caseName}", File.ReadAllBytes(Path.Combine(Fixtures, "cases", caseName, "input.wav")), caseName);
        var samples = Enumerable.Range(0, 16000).Select(i => (short)(8000 * Math.Sin(i * 0.05) * Math.Sin(i * 0.0007))).ToArray();
        AddPair(v1, "语音/retagged", TestWavFile.Pcm16(16000, 1, samples), "the same samples, a new header in v2");
        var cache = temp.Combine("tokens.sqlite");
        var (first, _) = Run(v1, temp.Combine("v1out", "out.jsonl.gz"), cache, dither: 0);
        // Counts are of records: p06 (0.02 s) yields no token group, so it is an error line, not a record.
        Assert.Equal(Cases.Length, first.Tokenized);
        TokenCacheWriter.AddEntries(cache, [ShardTokenCache.EntriesPath(temp.Combine("v1out", "out.jsonl.gz"))], new StringWriter());

        var v2 = temp.Combine("v2");
        foreach (var caseName in Cases[1..])
            AddPair(v2, $"语音/{caseName}", File.ReadAllBytes(Path.Combine(Fixtures, "cases", caseName, "input.wav")), caseName + " (edited)");
        // Same samples, but an extra LIST chunk before the data and float32 instead of int16: the decoded samples are equal.
        var asFloat = samples.Select(s => s / 32768f).ToArray();
        AddPair(v2, "语音/retagged", TestWavFile.Riff([
            TestWavFile.Chunk("fmt ", TestWavFile.Fmt(TestWavFile.TagIeeeFloat, 1, 16000, 32)),
            TestWavFile.Chunk("LIST", "INFOISFT\u0005\0\0\0Lavf\0\0"u8.ToArray()),
            TestWavFile.Chunk("data", TestWavFile.Float32(16000, 1, asFloat)[44..]),
        ]), "retagged");
        AddPair(v2, "语音/new", TestWavFile.Pcm16(16000, 1, samples.Select(s => (short)(s / 2)).ToArray()), "a new line");

        var (cached, tokenized) = Run(v2, temp.Combine("v2cached", "out.jsonl.gz"), cache, dither: 0);
        Run(v2, temp.Combine("v2plain", "out.jsonl.gz"), cache: null, dither: 0);

        Assert.Equal([TestArchive.PathOf(v2, "语音/new.wav")], tokenized);
        Assert.Equal(Cases.Length - 1, cached.Reused); // p02, p03, p07 and the re-tagged clip (p06 has no record)
        TokenCacheShardTests.AssertSameOutput(temp.Combine("v2plain", "out.jsonl.gz"), temp.Combine("v2cached", "out.jsonl.gz"));
    }

    [SkippableFact]
    public void With_dither_a_hit_equals_a_fresh_run_because_the_seed_follows_from_the_samples()
    {
        using var temp = new TempDir();
        var root = temp.Combine("v1");
        foreach (var caseName in Cases[..3])
            AddPair(root, $"a/{caseName}", File.ReadAllBytes(Path.Combine(Fixtures, "cases", caseName, "input.wav")), caseName);
        var cache = temp.Combine("tokens.sqlite");
        Run(root, temp.Combine("first", "out.jsonl"), cache, dither: 1f);
        TokenCacheWriter.AddEntries(cache, [ShardTokenCache.EntriesPath(temp.Combine("first", "out.jsonl"))], new StringWriter());

        // Another folder: a seed taken from the path or the position would now differ; the samples' seed does not.
        var moved = temp.Combine("v2");
        foreach (var caseName in Cases[..3])
            AddPair(moved, $"b/c/{caseName}", File.ReadAllBytes(Path.Combine(Fixtures, "cases", caseName, "input.wav")), caseName);
        var (hit, _) = Run(moved, temp.Combine("hit", "out.jsonl"), cache, dither: 1f);
        Run(moved, temp.Combine("fresh", "out.jsonl"), cache: null, dither: 1f);
        var (undithered, _) = Run(moved, temp.Combine("undithered", "out.jsonl"), cache, dither: 0);

        Assert.Equal(3, hit.Reused);
        TokenCacheShardTests.AssertSameOutput(temp.Combine("fresh", "out.jsonl"), temp.Combine("hit", "out.jsonl"));
        Assert.Equal(0, undithered.Reused); // dither is part of the settings key
    }

    private static (ShardRunner Runner, List<string> TokenizedWavs) Run(string root, string output, string? cache, float dither)
    {
        var services = WorkerServices.Production();
        var setup = new TokenizerSetup(Bundle, new ModelOptions { Device = ComputeDeviceKind.Cpu }, new TokenizeOptions { Dither = dither }, _ => { });
        var counting = new CountingTokenizer(() => services.CreateTokenizer(setup));
        var options = cache is null ? null : new TokenCacheOptions(cache, () => TokenizerSettingsKey.Compute(setup));
        var runner = new ShardRunner(ShardHarness.Job(root, output, batchSeconds: 10), services.WavReader, () => counting, new StringWriter(),
            tokenCache: options);
        runner.Run();
        return (runner, counting.Sources);
    }

    private static void AddPair(string root, string id, byte[] wav, string text)
    {
        TestArchive.WriteFile(root, id + ".wav", wav);
        TestArchive.WriteFile(root, id + ".lab", System.Text.Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The real tokenizer, loaded on first use, with the WAVs it was given recorded.</summary>
    private sealed class CountingTokenizer(Func<IClipTokenizer> load) : TestTokenizer
    {
        private IClipTokenizer? _inner;

        public List<string> Sources { get; } = [];

        public override IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips)
        {
            Sources.AddRange(clips.Select(c => c.Source));
            return (_inner ??= load()).TokenizeBatch(clips);
        }

        public override void Dispose() => _inner?.Dispose();
    }

    private static string FindFixtures()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "fixtures", "vq0206");
            if (Directory.Exists(candidate))
                return candidate;
        }

        throw new DirectoryNotFoundException("tests/fixtures/vq0206 not found above " + AppContext.BaseDirectory);
    }
}
