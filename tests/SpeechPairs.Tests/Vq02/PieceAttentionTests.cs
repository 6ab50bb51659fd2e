using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>
/// The encoder's own attention kernel against torch's gathered matmul-softmax-matmul, and the whole encoder with and
/// without its own CPU kernels: the same bits wherever <see cref="CpuKernels"/> lets the encoder use them.
/// </summary>
public sealed class PieceAttentionTests
{
    private static readonly Lazy<SanmEncoderWeights> Weights = new(() =>
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        return SanmEncoderWeights.Load(layout.ModelPt, ParaformerConfig.Load(layout.ConfigYaml), CPU);
    });

    private static Vq02Features RandomClip(int seed, int pieces, int dim = 560)
    {
        var random = new Random(seed);
        var lengths = Enumerable.Range(0, pieces).Select(p => p == pieces - 1 ? 1 + random.Next(4) : 4).ToArray();
        var data = new float[lengths.Sum() * dim];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 4 - 2);
        return new Vq02Features(data, dim, lengths, null);
    }

    [SkippableTheory]
    [InlineData(512, 4, 1)]   // the real encoder: 128 dims per head
    [InlineData(128, 4, 2)]   // the fixture's: 32 per head
    [InlineData(40, 2, 3)]    // 20 per head: the context's scalar tail
    [InlineData(96, 3, 4)]
    public void OwnKernelEqualsTorchOnEveryGroupItIsAllowed(int d, int heads, int seed)
    {
        using var scope = NewDisposeScope();
        // Several clips of one window: first pieces, growing caches, short last pieces, a group of one piece.
        var clips = new[] { RandomClip(seed, 9, 1), RandomClip(seed + 1, 1, 1), RandomClip(seed + 2, 4, 1), RandomClip(seed + 3, 30, 1) };
        var plan = new EncoderBatchPlan(new EncoderWindow(clips, 0, 0, 0));
        var allowed = plan.AttentionGroups.Where(g => CpuKernels.AttentionMatchesTorch(d, heads, g.Cached, g.Own)).ToArray();
        Skip.If(allowed.Length == 0, "torch's small matrix products accumulate differently on this machine: the encoder uses them instead");

        var qkv = randn(plan.PaddedRows, 3 * d, generator: new TorchSharp.torch.Generator((ulong)seed)) * 2;
        var q = qkv.narrow(1, 0, d);
        var viaTorch = zeros(plan.PaddedRows, d);
        var own = zeros(plan.PaddedRows, d);
        PieceAttention.WithTorch(q, qkv.narrow(1, d, 2 * d), heads, allowed, viaTorch);
        PieceAttention.OnCpu(PieceAttention.ScaledQueries(q, d / heads), qkv, d, heads, allowed, own);

        float[] expected = viaTorch.ToFloatArray(), actual = own.ToFloatArray();
        int differing = Enumerable.Range(0, expected.Length).Count(i => BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]));
        Assert.True(differing == 0, $"{differing} of {expected.Length} values differ from torch (groups {string.Join(" ", allowed.Select(g => $"{g.Cached}+{g.Own}×{g.Count}"))})");
        Assert.Contains(actual, v => v != 0);
    }

    [Fact]
    public void OwnKernelsLeaveTheEncodersFramesBitForBit()
    {
        // Whole clips, a clip of one piece, and a long clip cut into windows that carry their caches (small windows).
        var clips = new[] { RandomClip(21, 1), RandomClip(22, 3), RandomClip(23, 57), RandomClip(24, 2), RandomClip(25, 120) };
        float[] Encode(bool ownKernels)
        {
            var encoder = new SanmStreamingEncoder(Weights.Value, CPU) { OwnCpuKernels = ownKernels, MaxRows = 200 };
            var (frames, _) = encoder.Encode(clips, lanes: 2);
            using (frames) return frames.ToFloatArray();
        }
        var viaTorch = Encode(false);
        var own = Encode(true);
        Assert.Equal(viaTorch.Length, own.Length);
        int differing = Enumerable.Range(0, own.Length).Count(i => BitConverter.SingleToInt32Bits(viaTorch[i]) != BitConverter.SingleToInt32Bits(own[i]));
        Assert.True(differing == 0, $"{differing} of {own.Length} frame values differ between the encoder's own CPU kernels and torch's operations");
    }

    [Fact]
    public void ShapesTheKernelsCannotSplitAreLeftToTorch()
    {
        Assert.False(CpuKernels.AttentionMatchesTorch(10, 3, 16, 9)); // 10 dims do not split into 3 heads
    }
}
