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

    [SkippableFact]
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

    [SkippableFact]
    public void RefusesRowsOutsideTheWindow()
    {
        using var scope = NewDisposeScope();
        var qkv = randn(20, 3 * 16);
        var group = new EncoderBatchPlan.AttentionGroup(0, 2, 1, [0, 1], [0, 20]); // key row 20 of 20
        Assert.Throws<ArgumentException>(() => PieceAttention.OnCpu(PieceAttention.ScaledQueries(qkv.narrow(1, 0, 16), 8), qkv, 16, 2, [group], zeros(20, 16)));
    }

    [SkippableTheory]
    [InlineData(512, 4, 16, 9, 3)]   // the real encoder: a piece with a full cache
    [InlineData(512, 4, 16, 6, 1)]   // a short last piece
    [InlineData(512, 4, 0, 9, 2)]    // first pieces (torch takes these where its order differs)
    [InlineData(40, 2, 8, 7, 2)]     // 20 dims per head: the context's one-column tail, an odd number of query rows
    public void OwnKernelComputesExactlyItsStatedOrder(int d, int heads, int cached, int own, int count)
    {
        // Machine-independent: scores and context as one fused multiply-add per term, in order, from 0, around torch's
        // softmax. A kernel that computed anything else would be refused by CpuKernels and silently replaced by torch;
        // this says so on every machine.
        using var scope = NewDisposeScope();
        int dk = d / heads, keys = cached + own, rows = count * keys;
        var group = CpuKernels.SampleAttentionGroup(cached, own, count);
        long[] queryRows = group.QueryRows, keyRows = group.KeyRows;
        var qkv = randn(rows, 3 * d, generator: new TorchSharp.torch.Generator(17)) * 2;
        var scaled = PieceAttention.ScaledQueries(qkv.narrow(1, 0, d), dk);
        var actual = zeros(rows, d);
        PieceAttention.OnCpu(scaled, qkv, d, heads, [group], actual);

        float[] q = scaled.ToFloatArray(), kv = qkv.ToFloatArray();
        var scores = new float[count * heads * own * keys];
        for (int p = 0; p < count; p++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < own; i++)
                    for (int j = 0; j < keys; j++)
                    {
                        float acc = 0;
                        long qRow = queryRows[p * own + i], kRow = keyRows[p * keys + j];
                        for (int e = 0; e < dk; e++) acc = MathF.FusedMultiplyAdd(q[qRow * d + h * dk + e], kv[kRow * 3 * d + d + h * dk + e], acc);
                        scores[((p * heads + h) * own + i) * keys + j] = acc;
                    }
        var probabilities = softmax(tensor(scores).reshape(count, heads, own, keys), -1).ToFloatArray();
        var expected = new float[rows * d];
        for (int p = 0; p < count; p++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < own; i++)
                    for (int e = 0; e < dk; e++)
                    {
                        float acc = 0;
                        for (int j = 0; j < keys; j++)
                            acc = MathF.FusedMultiplyAdd(probabilities[((p * heads + h) * own + i) * keys + j], kv[keyRows[p * keys + j] * 3 * d + 2 * d + h * dk + e], acc);
                        expected[queryRows[p * own + i] * d + h * dk + e] = acc;
                    }

        Compare.SameBits(expected, actual.ToFloatArray(), $"attention kernel against its stated order ({cached} + {own} keys × {count})");
    }

    [SkippableFact]
    public void ShapesTheKernelsCannotSplitAreLeftToTorch()
    {
        Assert.False(CpuKernels.AttentionMatchesTorch(10, 3, 16, 9)); // 10 dims do not split into 3 heads
    }
}
