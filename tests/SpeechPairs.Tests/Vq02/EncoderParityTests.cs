using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using Xunit.Abstractions;
using SpeechPairs.Tokenizer;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>The streaming SAN-M encoder and nearest-centroid codes against the reference, from its own encoder inputs.</summary>
public sealed class EncoderParityTests(ITestOutputHelper output)
{
    private static readonly Lazy<(SanmStreamingEncoder Encoder, CentroidQuantizer Quantizer)> Models = new(() =>
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        var config = ParaformerConfig.Load(layout.ConfigYaml);
        var weights = SanmEncoderWeights.Load(layout.ModelPt, config, CPU);
        return (new SanmStreamingEncoder(weights, CPU), CentroidQuantizer.Load(layout.Centroids, config.OutputSize, CPU));
    });

    internal static Vq02Features ReferenceFeatures(string name)
    {
        var feats = GoldenFixtures.Npy(name, "encoder_feats.npy");
        var pieces = GoldenFixtures.Meta(name).GetProperty("vq02_stream").GetProperty("chunks").EnumerateArray()
            .Where(c => c.TryGetProperty("lfr_frames", out var f) && f.GetInt32() > 0)
            .Select(c => c.GetProperty("lfr_frames").GetInt32()).ToArray();
        return new Vq02Features(feats.ToFloat32(), (int)feats.Shape[1], pieces, null);
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void EncoderOutputMatchesTheReference(string name)
    {
        var (encoder, _) = Models.Value;
        var expected = GoldenFixtures.Npy(name, "enc_out.npy");
        var (frames, counts) = encoder.Encode([ReferenceFeatures(name)]);
        using (frames)
        {
            Assert.Equal(expected.Shape[0], counts[0]);
            var actual = frames.ToFloatArray();
            var reference = expected.ToFloat32();
            double scale = reference.Length == 0 ? 1 : reference.Max(MathF.Abs);
            // 1e-3 relative to the output's scale (the fixtures' suggested 2e-3 absolute at this scale).
            double max = Compare.MaxAbs(reference, actual, 1e-3 * Math.Max(1, scale), $"{name} enc_out");
            output.WriteLine($"{name}: enc_out max |Δ| {max:G3} (output scale {scale:G3})");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void Vq02CodesMatchTheReference(string name)
    {
        var (encoder, quantizer) = Models.Value;
        var (frames, _) = encoder.Encode([ReferenceFeatures(name)]);
        using (frames)
        {
            var codes = quantizer.Assign(frames);
            int runnerUp = NearTies.CountAllowedVq02Differences(name, codes);
            output.WriteLine($"{name}: {codes.Length} vq02 codes, {runnerUp} near-tie runner-up picks");
        }
    }
}
