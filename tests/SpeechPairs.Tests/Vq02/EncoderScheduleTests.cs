using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>
/// The layer-major batched encoder against the reference's piece-by-piece schedule, and its batch invariance:
/// a clip's frames must not depend on which clips share its batch.
/// </summary>
public sealed class EncoderScheduleTests
{
    internal static readonly Lazy<SanmEncoderWeights> Weights = new(() =>
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        return SanmEncoderWeights.Load(layout.ModelPt, ParaformerConfig.Load(layout.ConfigYaml), CPU);
    });

    internal static Vq02Features RandomClip(int seed, int pieces)
    {
        var random = new Random(seed);
        var lengths = Enumerable.Range(0, pieces).Select(p => p == pieces - 1 ? 1 + random.Next(5) : 4).ToArray();
        int frames = lengths.Sum();
        var data = new float[frames * 560];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 4 - 2);
        return new Vq02Features(data, 560, lengths, null);
    }

    [SkippableTheory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 5)]
    [InlineData(4, 6)]
    [InlineData(5, 40)]
    public void LayerMajorEqualsPieceByPiece(int seed, int pieces)
    {
        var clip = RandomClip(seed, pieces);
        var (batched, counts) = new SanmStreamingEncoder(Weights.Value, CPU).Encode([clip]);
        using var stepped = new SteppedSanmEncoder(Weights.Value, CPU).Encode(clip);
        using (batched)
        {
            Assert.Equal(clip.Frames, counts[0]);
            // Products of 9 rows and of thousands may round differently in BLAS; the schedules are otherwise the same.
            Compare.MaxAbs(stepped.ToFloatArray(), batched.ToFloatArray(), 1e-4, $"seed {seed}, {pieces} pieces");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void PieceByPieceAlsoMatchesTheReference(string name)
    {
        using var stepped = new SteppedSanmEncoder(Weights.Value, CPU).Encode(EncoderParityTests.ReferenceFeatures(name));
        Compare.MaxAbs(GoldenFixtures.Npy(name, "enc_out.npy").ToFloat32(), stepped.ToFloatArray(), 1e-3 * 6, $"{name} stepped enc_out");
    }

    [SkippableFact]
    public void AClipsFramesDoNotDependOnItsBatch()
    {
        var encoder = new SanmStreamingEncoder(Weights.Value, CPU);
        var clips = new[] { RandomClip(11, 1), RandomClip(12, 3), RandomClip(13, 57), RandomClip(14, 2), RandomClip(15, 120) };
        var alone = clips.Select(c =>
        {
            var (t, _) = encoder.Encode([c]);
            using (t) return t.ToFloatArray();
        }).ToArray();

        foreach (var order in new[] { new[] { 0, 1, 2, 3, 4 }, new[] { 4, 3, 2, 1, 0 }, new[] { 2, 0 }, new[] { 1, 4, 3 } })
        {
            var (together, counts) = encoder.Encode(order.Select(i => clips[i]).ToArray());
            using (together)
            {
                var all = together.ToFloatArray();
                int offset = 0;
                for (int k = 0; k < order.Length; k++)
                {
                    int length = counts[k] * encoder.OutputSize;
                    var got = all[offset..(offset + length)];
                    double maxDiff = alone[order[k]].Zip(got, (a, b) => (double)Math.Abs(a - b)).DefaultIfEmpty(0).Max();
                    Assert.True(alone[order[k]].SequenceEqual(got), $"clip {order[k]} in batch [{string.Join(",", order)}]: max |Δ| {maxDiff:G3}"); // bit for bit
                    offset += length;
                }
            }
        }
    }
}
