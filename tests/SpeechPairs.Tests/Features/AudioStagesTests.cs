using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Tests.Features;

/// <summary>Resampling and energy normalisation against the reference's intermediate arrays.</summary>
public sealed class AudioStagesTests
{
    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void ResampleMatchesTorchaudio(string name)
    {
        var meta = GoldenFixtures.Meta(name);
        int rate = meta.GetProperty("input").GetProperty("samplerate").GetInt32();
        if (!GoldenFixtures.Has(name, "mono.npy")) return; // omitted for size (16 kHz cases: identity)
        var mono = GoldenFixtures.Npy(name, "mono.npy").ToFloat32();
        var resampled = new SincResampler(rate, 16000).Resample(mono);
        var expected = rate == 16000 ? mono : GoldenFixtures.Npy(name, "resampled_16k.npy").ToFloat32();
        Compare.MaxAbs(expected, resampled, 1e-5, $"{name} resampled_16k");
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void EnergyNormMatchesTheReference(string name)
    {
        int rate = GoldenFixtures.Meta(name).GetProperty("input").GetProperty("samplerate").GetInt32();
        string source = rate == 16000 ? "mono.npy" : "resampled_16k.npy";
        if (!GoldenFixtures.Has(name, source)) return; // p08/p09 ship no mono.npy; their normed.npy is checked elsewhere
        var normed = EnergyNormalizer.Normalize(GoldenFixtures.Npy(name, source).ToFloat32());
        Compare.MaxAbs(GoldenFixtures.Npy(name, "normed.npy").ToFloat32(), normed, 1e-6, $"{name} normed");
    }

    [SkippableFact]
    public void EnergyNormRefusesEmptyAudio()
        => Assert.Throws<ArgumentException>(() => EnergyNormalizer.Normalize([]));

    [SkippableFact]
    public void EnergyNormFloorsQuietClipsAtOneHundredth()
    {
        var y = EnergyNormalizer.Normalize([0.001f, -0.002f]);
        Assert.Equal(0.001f / 0.01f * 0.999f, y[0]);
        Assert.Equal(-0.002f / 0.01f * 0.999f, y[1]);
    }

    [SkippableTheory]
    [InlineData(48000)]
    [InlineData(44100)]
    [InlineData(22050)]
    [InlineData(8000)]
    [InlineData(11025)]
    public void ResampledLengthIsTheCeilingOfTheRateRatio(int rate)
    {
        var r = new SincResampler(rate, 16000);
        foreach (int n in new[] { 1, 2, 3, 7, 441, 1000, 44101 })
            Assert.Equal((long)Math.Ceiling(n * 16000.0 / rate), r.Resample(new float[n]).Length);
    }

    [SkippableFact]
    public void UpsamplingKeepsALowToneAndItsLevel()
    {
        // 8 kHz → 16 kHz with the same windowed-sinc formula: a 440 Hz tone survives at the same level.
        const int n = 8000;
        var tone = new float[n];
        for (int i = 0; i < n; i++) tone[i] = 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / 8000f);
        var up = new SincResampler(8000, 16000).Resample(tone);
        Assert.Equal(16000, up.Length);
        for (int i = 1000; i < 15000; i += 97)
        {
            float expected = 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / 16000f);
            Assert.InRange(up[i] - expected, -0.01f, 0.01f);
        }
    }
}
