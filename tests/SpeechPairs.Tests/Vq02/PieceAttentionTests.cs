using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>
/// The encoder's own attention kernel against torch's gathered matmul-softmax-matmul, and the whole encoder with and
/// without its own CPU kernels: the same bits wherever <see cref="CpuKernels"/> lets the encoder use them.
/// </summary>
public sealed class PieceAttentionTests
{
    [SkippableTheory]
    [InlineData(512, 4, 1)]   // the real encoder: 128 dims per head
    [InlineData(128, 4, 2)]   // the fixture's: 32 per head
    [InlineData(40, 2, 3)]    // 20 per head: the context's scalar tail
    [InlineData(96, 3, 4)]
    public void OwnKernelEqualsTorchOnEveryGroupItIsAllowed(int d, int heads, int seed)
    {
        using var scope = NewDisposeScope();
        // Several clips of one window: first pieces, growing caches, short last pieces, a group of one piece.
        var clips = new[] { 9, 1, 4, 30 }.Select((pieces, i) => EncoderScheduleTests.RandomClip(seed + i, pieces)).ToArray();
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
        Compare.SameBits(expected, actual, $"own kernel against torch (groups {string.Join(" ", allowed.Select(g => $"{g.Cached}+{g.Own}×{g.Count}"))})");
        Assert.Contains(actual, v => v != 0);
    }

    [Fact]
    public void OwnKernelsLeaveTheEncodersFramesBitForBit()
    {
        // Whole clips, a clip of one piece, and a long clip cut into windows that carry their caches (small windows).
        var clips = new[] { 1, 3, 57, 2, 120 }.Select((pieces, i) => EncoderScheduleTests.RandomClip(21 + i, pieces)).ToArray();
        float[] Encode(bool ownKernels)
        {
            var encoder = new SanmStreamingEncoder(EncoderScheduleTests.Weights.Value, CPU) { OwnCpuKernels = ownKernels, MaxRows = 200 };
            var (frames, _) = encoder.Encode(clips, lanes: 2);
            using (frames) return frames.ToFloatArray();
        }
        var viaTorch = Encode(false);
        var own = Encode(true);
        Compare.SameBits(viaTorch, own, "encoder frames with its own CPU kernels against torch's operations");
    }

    [Fact]
    public void RefusesRowsOutsideTheWindow()
    {
        using var scope = NewDisposeScope();
        var qkv = randn(20, 3 * 16);
        var group = new EncoderBatchPlan.AttentionGroup(0, 2, 1, [0, 1], [0, 20]); // key row 20 of 20
        Assert.Throws<ArgumentException>(() => PieceAttention.OnCpu(PieceAttention.ScaledQueries(qkv.narrow(1, 0, 16), 8), qkv, 16, 2, [group], zeros(20, 16)));
    }

    [SkippableFact]
    public void OnX86TheRealEncodersSteadyShapesRunInTheOwnKernels()
    {
        // Every x86-64 machine measured (EPYC Zen 3 and Zen 4, Xeon) accumulates as the kernels do. A kernel that
        // computes anything else is refused by the check and the encoder quietly falls back to torch: this says so.
        Skip.IfNot(System.Runtime.Intrinsics.X86.Avx2.IsSupported, "the kernels are written for x86-64's 256- and 512-bit vectors");
        Assert.True(CpuKernels.FsmnMatchesTorch(512, 11), "FSMN kernel refused for the real encoder's shape");
        Assert.True(CpuKernels.AttentionMatchesTorch(512, 4, 16, 9), "attention kernel refused for a piece with a full cache (16 + 9 keys)");
        Assert.True(CpuKernels.AttentionMatchesTorch(512, 4, 16, 6), "attention kernel refused for a short last piece (16 + 6 keys)");
    }

    [Fact]
    public void ShapesTheKernelsCannotSplitAreLeftToTorch()
    {
        Assert.False(CpuKernels.AttentionMatchesTorch(10, 3, 16, 9)); // 10 dims do not split into 3 heads
    }
}
