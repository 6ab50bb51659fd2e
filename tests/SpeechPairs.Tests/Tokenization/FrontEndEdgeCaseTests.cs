using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>Lengths at the edges of the streaming pieces and the 30 s vq06 chunks, and wide multichannel input.</summary>
public sealed class FrontEndEdgeCaseTests : IClassFixture<FixtureModels>
{
    private readonly Vq0206Tokenizer _tokenizer = new FixtureModels().Models.CreateTokenizer();

    private static float[] Noise(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
    }

    private static int ReferenceVq02Count(int n)
    {
        var columns = GoldenFixtures.Json("length_sweep.json").GetProperty("columns");
        int index = columns.GetProperty("n").EnumerateArray().Select(e => e.GetInt32()).ToList().IndexOf(n);
        return columns.GetProperty("n_vq02")[index].GetInt32();
    }

    [SkippableFact]
    public void EmptyAudioIsRefused()
        => Assert.Throws<TokenizationException>(() => _tokenizer.Preprocess(new DecodedAudio("empty", [], 16000, 1)));

    [SkippableFact]
    public void OneSampleYieldsNothingAndDoesNotFail()
    {
        var tokens = _tokenizer.Tokenize(new DecodedAudio("one", [0.3f], 16000, 1));
        Assert.Empty(tokens.Vq02);   // the reference skips the 1-sample piece ("Warning!!!, skip 1 samples")
        Assert.Empty(tokens.Vq06);   // and drops the < 480-sample vq06 chunk
        Assert.Equal("", tokens.Tokens);
        Assert.Equal(1, StreamingFeaturePlan.For(1).SkippedTailSamples);
    }

    [SkippableFact]
    public void ExactlyOnePieceOfSamples()
    {
        var tokens = _tokenizer.Tokenize(new DecodedAudio("3840", Noise(3840, 1), 16000, 1));
        Assert.Equal(ReferenceVq02Count(3840), tokens.Vq02.Length);
        Assert.Equal(6, tokens.Vq06.Length); // 24 mel frames → 6 tokens at 25 Hz
    }

    [SkippableTheory]
    [InlineData(480000, 3000)]        // exactly 30 s: one full vq06 chunk
    [InlineData(480000 + 479, 3000)]  // the 479-sample remainder is dropped (< 480)
    [InlineData(480000 + 480, 3003)]  // 480 samples make a second chunk of 3 mel frames
    public void ThirtySecondChunkEdges(int samples, int melFrames)
    {
        var chunks = Vq06Chunks.Split(samples);
        Assert.Equal(melFrames, chunks.Sum(c => WhisperLogMel.FrameCount(c.Length)));
        var tokens = _tokenizer.Tokenize(new DecodedAudio($"{samples}", Noise(samples, 2), 16000, 1));
        Assert.Equal(StreamingFeaturePlan.For(samples).LfrFrameCount, tokens.Vq02.Length);
        Assert.Equal(750 + (samples >= 480480 ? 1 : 0), tokens.Vq06.Length);
        Assert.Equal(Math.Min(tokens.Vq02.Length / 2, tokens.Vq06.Length / 3) * 5, tokens.Tokens.Split('<').Length - 1);
    }

    [SkippableFact]
    public void EightChannelInputIsMixedDownAndTokenized()
    {
        using var temp = new TempDir();
        const int frames = 48000;
        var interleaved = new float[frames * 8];
        var mono = Noise(frames, 3);
        for (int i = 0; i < frames; i++)
            for (int c = 0; c < 8; c++)
                interleaved[i * 8 + c] = mono[i] * (c % 2 == 0 ? 1f : 0.5f);
        string path = temp.Write("eight.wav", TestWavFile.Float32(48000, 8, interleaved));

        var clip = WavReader.Read(path);
        Assert.Equal(8, clip.Channels);
        var expectedMono = mono.Select(v => (v + v * 0.5f + v + v * 0.5f + v + v * 0.5f + v + v * 0.5f) / 8f).ToArray();
        Compare.MaxAbs(expectedMono, clip.Samples, 1e-7, "8-channel mixdown");
        var tokens = _tokenizer.Tokenize(clip);
        Assert.Equal(_tokenizer.Tokenize(clip with { Channels = 1 }).Tokens, tokens.Tokens);
        Assert.Equal(25, tokens.Vq06.Length);
    }
}
