using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>
/// A long clip tokenized part by part from its file (<see cref="Vq0206Tokenizer.TokenizeLong"/>) gets exactly the codes
/// the whole clip gets at once. Parts are cut to one vq06 chunk (30 s) here, so that clips of a minute or two cross
/// several part boundaries; the production part is longer, the code path the same.
/// </summary>
public sealed class LongClipTests : IDisposable
{
    private const int OneChunk = 480_000;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // Speech-like: tone bursts and noise between quiet stretches, different every second, so that parts differ.
    private static short[] Audio(long frames, int rate, int channels, int seed)
    {
        var random = new Random(seed);
        var samples = new short[frames * channels];
        double level = 0;
        for (long i = 0; i < frames; i++)
        {
            if (i % rate == 0) level = random.NextDouble() < 0.3 ? 0.001 : random.NextDouble();
            double t = (double)i / rate;
            for (int c = 0; c < channels; c++)
            {
                double v = level * (0.5 * Math.Sin(2 * Math.PI * (180 + 40 * c) * t) + 0.3 * (random.NextDouble() - 0.5));
                samples[i * channels + c] = (short)Math.Clamp(Math.Round(v * 32767), short.MinValue, short.MaxValue);
            }
        }
        return samples;
    }

    private string Write(long frames, int rate, int channels, int seed, long silentLead = 0)
    {
        var audio = Audio(frames, rate, channels, seed);
        Array.Clear(audio, 0, (int)(silentLead * channels));
        return _dir.Write($"{frames}-{rate}-{channels}.wav", TestWavFile.Pcm16(rate, channels, audio));
    }

    /// <summary>A tokenizer that cuts a clip into parts of one vq06 chunk, so short clips cross several part boundaries.</summary>
    private static Vq0206Tokenizer InParts(TokenizerModels models, TokenizeOptions? options = null)
    {
        var tokenizer = models.CreateTokenizer(options);
        tokenizer.PartSamples = OneChunk;
        return tokenizer;
    }

    [SkippableTheory]
    [InlineData(16000, 1, 3L * OneChunk + 100, false, 0f, 1)]         // a tail vq06 drops and vq02's front end skips
    [InlineData(16000, 1, 2L * OneChunk, false, 0f, 2)]               // parts end exactly on the clip's end
    [InlineData(48000, 2, 95 * 48000L + 1234, false, 0f, 2)]          // resampled from a stereo file, two lanes
    [InlineData(44100, 1, 77 * 44100L, true, 0f, 1)]                  // trimmed: the parts start at the kept span
    [InlineData(22050, 2, 66 * 22050L + 7, false, 1f, 2)]             // dithered: the noise continues across parts
    public void PartsGiveTheWholeClipsCodes(int rate, int channels, long frames, bool trim, float dither, int lanes)
    {
        string path = Write(frames, rate, channels, seed: (int)(frames % 1000), silentLead: trim ? 3 * rate : 0);
        using var models = FixtureModels.Load(new ModelOptions { TorchThreads = lanes });
        var options = new TokenizeOptions { Trim = trim, Dither = dither };

        var whole = models.CreateTokenizer(options).Tokenize(WavReader.Read(path));
        var seconds = new List<double>();
        using var file = WavReader.Open(path);
        var parts = InParts(models, options).TokenizeLong(file, seconds.Add);

        Assert.True(parts.Succeeded, parts.Error);
        Assert.True(seconds.Count >= 2, $"{seconds.Count} part(s): the clip must cross a part boundary");
        Assert.Equal(seconds.Order(), seconds);
        Assert.Equal((double)frames / rate, seconds[^1], 6);
        Assert.NotEmpty(whole.Vq02);
        Assert.Equal(whole.Vq02, parts.Tokens!.Vq02);
        Assert.Equal(whole.Vq06, parts.Tokens.Vq06);
        Assert.Equal(whole.Tokens, parts.Tokens.Tokens);
    }

    [SkippableFact]
    public void AClipTheFrontEndFailsOnFailsTheSameWayInParts()
    {
        // Silence trimmed down to almost nothing, as one short clip: the whole path's refusal must be the parts' too.
        string path = _dir.Write("silent.wav", TestWavFile.Pcm16(16000, 1, new short[2 * OneChunk]));
        var models = new FixtureModels().Models;
        var trim = new TokenizeOptions { Trim = true };
        var whole = models.CreateTokenizer(trim).TokenizeBatch([WavReader.Read(path)])[0];
        using var file = WavReader.Open(path);
        var parts = InParts(models, trim).TokenizeLong(file);
        Assert.Equal(whole.Error, parts.Error);
        Assert.Equal(whole.Tokens?.Tokens, parts.Tokens?.Tokens);
    }

    [SkippableFact]
    public void ANonFiniteSampleInALongFileIsNamedAsInAWholeRead()
    {
        var samples = new float[3 * OneChunk];
        samples[^5] = float.NaN;
        string path = _dir.Write("nan.wav", TestWavFile.Float32(16000, 1, samples));
        var whole = Assert.Throws<AudioFormatException>(() => WavReader.Read(path));
        using var file = WavReader.Open(path);
        var tokenizer = InParts(new FixtureModels().Models);
        var parts = Assert.Throws<AudioFormatException>(() => { tokenizer.TokenizeLong(file); });
        Assert.Equal(whole.Message, parts.Message);
    }

    [SkippableTheory]
    [InlineData(1, 0f)]
    [InlineData(2, 1f)]
    public void PartsGiveTheWholeClipsEncoderFramesBitForBit(int lanes, float dither)
    {
        using var models = FixtureModels.Load(new ModelOptions { TorchThreads = lanes });
        var vq02 = models.Vq02;
        var normed = EnergyNormalizer.Normalize(Audio(3 * OneChunk + 5000, 16000, 1, 9).Select(v => v / 32768f).ToArray());
        var whole = vq02.Frontend.Extract(normed, dither);
        var (wholeFrames, _) = vq02.Encoder.Encode([whole], lanes);
        using var expected = wholeFrames;

        ulong seed = OnlineFrontend.SampleHashEnd(OnlineFrontend.SampleHash(OnlineFrontend.SampleHashStart, normed), normed.Length);
        var pieces = new StreamingFeaturePlan.Walk(normed.Length).Pieces().ToList();
        using var carry = new Tokenizer.Vq02.EncoderCarry();
        var got = new List<float>();
        float[]? preceding = null;
        int firstFrame = 0;
        const int partPieces = OneChunk / StreamingFeaturePlan.PieceSamples;
        for (int first = 0; first < pieces.Count; first += partPieces)
        {
            var part = pieces.Skip(first).Take(partPieces).ToList();
            var features = vq02.Frontend.ExtractPart(part, normed, 0, firstFrame, preceding, dither, seed);
            Assert.Equal(whole.Data.AsSpan(firstFrame * whole.Dim, features.Data.Length).ToArray(), features.Data);
            using var frames = vq02.Encoder.EncodePart(features, carry, lastPart: first + partPieces >= pieces.Count, lanes);
            got.AddRange(frames.data<float>().ToArray());
            firstFrame += features.Frames;
            preceding = features.Data[^(Vq02Features.PrecedingFrames * features.Dim)..];
        }
        Assert.True(pieces.Count > 3 * partPieces);
        Assert.Equal(expected.data<float>().ToArray(), got.ToArray());
    }

    [SkippableFact]
    public void TheRangedResamplerGivesTheWholeResamplersSamples()
    {
        var input = Audio(100_003, 44100, 1, 5).Select(v => v / 32768f).ToArray();
        var resampler = new SincResampler(44100, 16000);
        var whole = resampler.Resample(input);
        foreach (var (start, count) in new (long, int)[] { (0, 1000), (999, 17), (12_345, 20_000), (whole.Length - 50, 50) })
        {
            var (from, to) = resampler.InputSpan(start, count, input.Length);
            var part = new float[count];
            resampler.Resample(input.AsSpan((int)from, (int)(to - from)), from, input.Length, start, part);
            Assert.Equal(whole.AsSpan((int)start, count).ToArray(), part);
        }
    }

    [SkippableFact]
    public void ThePlanWalkedPieceByPieceIsThePlan()
    {
        foreach (long n in new long[] { 1, 3840, 480_000 + 479, 1_234_567 })
        {
            var plan = StreamingFeaturePlan.For(n);
            var walk = new StreamingFeaturePlan.Walk(n);
            Assert.Equal(plan.Pieces.SelectMany(p => p.SelectMany(f => f)), walk.Pieces().SelectMany(p => p.SelectMany(f => f)));
            Assert.Equal(plan.FbankFrames, walk.FbankFrames);
            Assert.Equal(plan.SkippedTailSamples, walk.SkippedTailSamples);
        }
    }
}
