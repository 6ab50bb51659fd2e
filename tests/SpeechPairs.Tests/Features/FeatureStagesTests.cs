using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tests.Features;

/// <summary>Kaldi fbank, the online LFR/CMVN front end and whisper's log-mel against the reference's arrays.</summary>
public sealed class FeatureStagesTests
{
    private static readonly Lazy<CmvnStats> Cmvn = new(() => CmvnStats.Load(Path.Combine(GoldenFixtures.BundleDir,
        "dengcunqin", "speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online", "am.mvn")));

    private static float[] Normed(string name) => GoldenFixtures.Npy(name, "normed.npy").ToFloat32();

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void StreamFbankMatchesTorchaudio(string name)
    {
        if (!GoldenFixtures.Has(name, "fbank_stream.npy")) return; // omitted for size on the 30 s cases
        var expected = GoldenFixtures.Npy(name, "fbank_stream.npy");
        var normed = Normed(name);
        int frames = (int)expected.Shape[0];
        var scaled = normed.Select(v => v * 32768f).ToArray();
        var fbank = new KaldiFbank().Compute(scaled, frames);
        Compare.MaxAbs(expected.ToFloat32(), fbank, 1e-3, $"{name} fbank_stream");
    }

    [SkippableFact]
    public void OfflineFbankMatchesTorchaudio()
    {
        var expected = GoldenFixtures.Npy("p01_cmn_48k_stereo_s16", "fbank_offline.npy");
        var scaled = Normed("p01_cmn_48k_stereo_s16").Select(v => v * 32768f).ToArray();
        Assert.Equal(expected.Shape[0], KaldiFbank.FrameCount(scaled.Length));
        var fbank = new KaldiFbank().Compute(scaled, KaldiFbank.FrameCount(scaled.Length));
        Compare.MaxAbs(expected.ToFloat32(), fbank, 1e-3, "p01 fbank_offline");
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void EncoderFeaturesMatchTheOnlineFrontend(string name)
    {
        var expected = GoldenFixtures.Npy(name, "encoder_feats.npy");
        var features = new OnlineFrontend(Cmvn.Value).Extract(Normed(name));
        Assert.Equal(560, features.Dim);
        Assert.Equal(expected.Shape[0], features.Frames);
        Compare.MaxAbs(expected.ToFloat32(), features.Data, 1e-3, $"{name} encoder_feats");
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void LogMelChunksMatchWhisper(string name)
    {
        var normed = Normed(name);
        var chunks = Vq06Chunks.Split(normed.Length);
        var expectedFiles = Directory.Exists(GoldenFixtures.File(name, "mel_chunks"))
            ? Directory.GetFiles(GoldenFixtures.File(name, "mel_chunks"), "chunk_*.npy").Order(StringComparer.Ordinal).ToArray()
            : [];
        Assert.Equal(expectedFiles.Length, chunks.Count);
        var mel = new WhisperLogMel();
        for (int c = 0; c < chunks.Count; c++)
        {
            var expected = Tokenizer.Bundle.NpyArray.Read(expectedFiles[c]);
            var actual = mel.Compute(normed.AsSpan(chunks[c].Start, chunks[c].Length), out int frames);
            Assert.Equal(expected.Shape[1], frames);
            Compare.MaxAbs(expected.ToFloat32(), actual, 1e-4, $"{name} mel chunk {c}");
        }
    }

    [SkippableFact]
    public void DitherIsSeededFromTheClip()
    {
        var normed = Normed("p01_cmn_48k_stereo_s16");
        var frontend = new OnlineFrontend(Cmvn.Value);
        var plain = frontend.Extract(normed);
        var a = frontend.Extract(normed, dither: 1f);
        var b = frontend.Extract(normed, dither: 1f);
        Assert.Equal(a.Data, b.Data);           // same clip, same noise
        Assert.NotEqual(plain.Data, a.Data);    // but noise was added
        var other = frontend.Extract(normed.Select(v => -v).ToArray(), dither: 1f);
        Assert.NotEqual(a.Data, other.Data);
    }
}
