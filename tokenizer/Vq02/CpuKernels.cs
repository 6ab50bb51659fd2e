using System.Collections.Concurrent;
using System.Runtime.Intrinsics;
using SpeechPairs.Tokenizer.Features;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// Decides, once per encoder shape in a process, whether the encoder's own CPU kernels (<see cref="FsmnMemory.OnCpu"/>,
/// <see cref="PieceAttention.OnCpu"/>) give exactly torch's results on this machine; where they do not, the encoder
/// uses torch's operations.
/// </summary>
/// <remarks>
/// The kernels replay the order in which torch's depthwise convolution and small matrix products accumulate (one
/// fused multiply-add per term, in order). That is what the libtorch builds measured here do on x86-64, but it is
/// the BLAS's choice, not a promise, and the tokens must not depend on it. Each check runs a kernel and torch on the
/// same random values (the FSMN on a real plan's pieces of every length, the attention on a group of one piece and
/// one of three of the shape asked about) and compares every bit; a shape is checked once per process.
/// The kernels are written for 8-wide vectors; where those are not hardware-accelerated (Arm64) torch is faster.
/// </remarks>
internal static class CpuKernels
{
    private static readonly ConcurrentDictionary<(int D, int Kernel), bool> FsmnVerdicts = new();
    private static readonly ConcurrentDictionary<(int D, int Heads, int Cached, int Own), bool> AttentionVerdicts = new();

    /// <summary>True when <see cref="FsmnMemory.OnCpu"/> equals torch bit for bit for this width and kernel.</summary>
    public static bool FsmnMatchesTorch(int d, int kernel)
        => Vector256.IsHardwareAccelerated && FsmnVerdicts.GetOrAdd((d, kernel), shape => CheckFsmn(shape.D, shape.Kernel));

    /// <summary>
    /// True when <see cref="PieceAttention.OnCpu"/> equals torch bit for bit for pieces of <paramref name="own"/>
    /// rows against <paramref name="cached"/> + <paramref name="own"/> keys. Not every shape does: a first piece
    /// (no cached keys) takes another route in torch's matrix products on the machines measured.
    /// </summary>
    public static bool AttentionMatchesTorch(int d, int heads, int cached, int own)
        => Vector256.IsHardwareAccelerated && AttentionVerdicts.GetOrAdd((d, heads, cached, own), shape => CheckAttention(shape.D, shape.Heads, shape.Cached, shape.Own));

    private static bool CheckFsmn(int d, int kernel)
    {
        if (kernel % 2 == 0) return false; // the reference pads (K − 1) / 2 on both sides: odd kernels only
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Two clips: 7 pieces (a short last one) and a one-piece clip: every piece length the schedule makes.
        static Vq02Features Clip(params int[] pieces) => new(new float[pieces.Sum()], 1, pieces, null);
        var plan = new EncoderBatchPlan(new EncoderWindow([Clip(4, 4, 4, 4, 4, 4, 2), Clip(3)], 0, 0, 0));
        var generator = new Generator(20261202);
        var qkv = randn(plan.PaddedRows, 3 * d, generator: generator);
        var weight = randn(d, 1, kernel, generator: generator) * 0.3;
        var viaTorch = zeros(plan.PaddedRows, d);
        var own = zeros(plan.PaddedRows, d);
        FsmnMemory.WithTorch(qkv.narrow(1, 2 * d, d), weight, plan.FsmnGroups, viaTorch);
        FsmnMemory.OnCpu(qkv, 2 * d, FsmnMemory.Taps(weight), plan.FsmnGroups, own);
        return SameBits(viaTorch, own);
    }

    // A group of one piece and one of three, each piece's cached keys in rows of their own after the queries.
    private static bool CheckAttention(int d, int heads, int cached, int own)
    {
        if (d % heads != 0) return false;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator(20261203);
        foreach (int count in new[] { 1, 3 })
        {
            int rows = count * (own + cached);
            var group = SampleAttentionGroup(cached, own, count);
            var qkv = randn(rows, 3 * d, generator: generator);
            var q = qkv.narrow(1, 0, d);
            var viaTorch = zeros(rows, d);
            var mine = zeros(rows, d);
            PieceAttention.WithTorch(q, qkv.narrow(1, d, 2 * d), heads, [group], viaTorch);
            PieceAttention.OnCpu(PieceAttention.ScaledQueries(q, d / heads), qkv, d, heads, [group], mine);
            if (!SameBits(viaTorch, mine)) return false;
        }
        return true;
    }

    /// <summary>
    /// <paramref name="count"/> pieces of <paramref name="own"/> query rows each (rows 0..), each piece's
    /// <paramref name="cached"/> earlier keys in rows of their own after all the queries, its own rows after those.
    /// </summary>
    internal static EncoderBatchPlan.AttentionGroup SampleAttentionGroup(int cached, int own, int count)
    {
        var queries = new List<long>();
        var keys = new List<long>();
        for (int p = 0; p < count; p++)
        {
            for (int j = 0; j < cached; j++) keys.Add(count * own + p * cached + j);
            for (int i = 0; i < own; i++)
            {
                queries.Add(p * own + i);
                keys.Add(p * own + i);
            }
        }
        return new EncoderBatchPlan.AttentionGroup(cached, own, count, queries.ToArray(), keys.ToArray());
    }

    private static bool SameBits(Tensor a, Tensor b)
    {
        float[] x = a.ToFloatArray(), y = b.ToFloatArray();
        if (x.Length != y.Length) return false;
        for (int i = 0; i < x.Length; i++)
            if (BitConverter.SingleToInt32Bits(x[i]) != BitConverter.SingleToInt32Bits(y[i])) return false;
        return true;
    }
}
