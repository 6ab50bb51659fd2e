using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// The SAN-M self-attention of a window's pieces: each piece's queries against its cached and own keys, per head,
/// softmax, then the context, written into the query rows of the attention output.
/// </summary>
/// <remarks>
/// <see cref="WithTorch"/> gathers every group's queries, keys and values into contiguous batches and multiplies them
/// with torch's matmul. On the CPU, <see cref="OnCpu"/> reads them where they are instead: those gathers and their
/// transposing copies took more than half of the attention's time. Its products accumulate each output with one fused
/// multiply-add per term in order, which is what torch's matmul does on these shapes; the softmax stays torch's.
/// Whether that holds on this machine is checked once per shape (<see cref="CpuKernels.AttentionMatchesTorch"/>)
/// before the encoder uses it, so the result is always torch's, bit for bit.
/// </remarks>
internal static class PieceAttention
{
    private const int QueryBlock = 16; // queries per pass of the score kernel: two 8-wide accumulators per key

    /// <summary>
    /// Attention with torch's operations, on any device. <paramref name="q"/> [rows, D] (unscaled),
    /// <paramref name="kv"/> [key rows, 2D] (keys, then values); writes the query rows of <paramref name="attention"/>.
    /// </summary>
    public static void WithTorch(Tensor q, Tensor kv, int heads, IEnumerable<EncoderBatchPlan.AttentionGroup> groups, Tensor attention)
    {
        int d = (int)attention.shape[1], dk = d / heads;
        double scale = Scale(dk);
        foreach (var g in groups)
        {
            using var scope = NewDisposeScope();
            int keys = g.Cached + g.Own;
            var queryIndex = tensor(g.QueryRows, dtype: int64).to(q.device);
            var keyIndex = tensor(g.KeyRows, dtype: int64).to(q.device);
            // Contiguous operands: with strided ones, torch's matmul takes a different BLAS route when a group
            // has one piece, which rounds differently and would make a clip's codes depend on its batch.
            var qg = (q.index_select(0, queryIndex).view(g.Count, g.Own, heads, dk).transpose(1, 2) * scale).contiguous();
            var kvg = kv.index_select(0, keyIndex).view(g.Count, keys, 2, heads, dk);
            var kg = kvg.select(2, 0).transpose(1, 2).contiguous();
            var vg = kvg.select(2, 1).transpose(1, 2).contiguous();
            var probabilities = softmax(qg.matmul(kg.transpose(-2, -1)), -1);
            var context = probabilities.matmul(vg).transpose(1, 2).reshape(g.Count * g.Own, d);
            attention.index_copy_(0, queryIndex, context);
        }
    }

    /// <summary>The queries times D_k^-0.5, as a contiguous tensor: element for element what <see cref="WithTorch"/> scales.</summary>
    public static Tensor ScaledQueries(Tensor q, int dk) => (q * Scale(dk)).contiguous();

    private static double Scale(int dk) => Math.Pow(dk, -0.5);

    /// <summary>
    /// The same on the CPU without gathering: <paramref name="qScaled"/> is <c>q * D_k^-0.5</c> as a contiguous
    /// [rows, D] tensor; keys are columns <paramref name="kvColumn"/>.. of the contiguous <paramref name="kvSource"/>
    /// and values the D columns after them.
    /// </summary>
    public static void OnCpu(Tensor qScaled, Tensor kvSource, int kvColumn, int heads, IEnumerable<EncoderBatchPlan.AttentionGroup> groups, Tensor attention)
    {
        RequireCpuContiguous(qScaled, kvSource, attention);
        int d = (int)attention.shape[1], dk = d / heads, kvWidth = (int)kvSource.shape[1];
        var layout = new Layout(d, dk, kvWidth, kvColumn);
        ReadOnlySpan<float> queries = Floats(qScaled), keysAndValues = Floats(kvSource);
        var output = Floats(attention);
        // Shapes read once: each read of a tensor's shape is a call into libtorch.
        long keyRows = kvSource.shape[0], queryRows = Math.Min(qScaled.shape[0], attention.shape[0]);
        if (kvColumn < 0 || kvColumn + 2 * d > kvWidth || qScaled.shape[1] != d || dk * heads != d)
            throw new ArgumentException($"attention: {heads} heads of width {d}, keys and values at column {kvColumn} of {kvWidth}, queries {qScaled.shape[1]} wide");
        foreach (var g in groups)
        {
            // The kernels index rows without bounds checks: every row the plan names must lie inside its tensor.
            if (!AllInside(g.KeyRows, keyRows) || !AllInside(g.QueryRows, queryRows))
                throw new ArgumentException($"attention: a ({g.Cached} + {g.Own})-key group names rows outside the window");
            using var scope = NewDisposeScope();
            int keys = g.Cached + g.Own;
            int block = g.Own * keys;
            var scores = empty(g.Count, heads, g.Own, keys);
            var scoreValues = Floats(scores);
            var packed = new float[dk * QueryBlock];
            for (int p = 0; p < g.Count; p++)
                for (int h = 0; h < heads; h++)
                    Scores(queries, keysAndValues, layout, g, p, h, packed, scoreValues.Slice((p * heads + h) * block, block));
            // torch's softmax, on the same [pieces, heads, queries, keys] layout as WithTorch's: the same bits.
            var probabilities = softmax(scores, -1);
            var weights = Floats(probabilities);
            for (int p = 0; p < g.Count; p++)
                for (int h = 0; h < heads; h++)
                    Context(weights.Slice((p * heads + h) * block, block), keysAndValues, layout, g, p, h, output);
        }
    }

    private static bool AllInside(long[] rows, long limit)
    {
        foreach (long r in rows)
            if ((ulong)r >= (ulong)limit) return false;
        return true;
    }

    private readonly record struct Layout(int D, int Dk, int KvWidth, int KvColumn);

    // scores[i, j] = Σ_e q[i, e] · k[j, e] over the head's dims, fused in order. The piece's queries are packed
    // transposed ([dk, 16]) so that one key element multiplies sixteen queries at once; four keys at a time keep
    // eight accumulators in flight. Lanes past the piece's queries hold stale values and are never stored.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(ReadOnlySpan<float> q, ReadOnlySpan<float> kv, Layout l, EncoderBatchPlan.AttentionGroup g, int p, int h, float[] packed, Span<float> scores)
    {
        int keys = g.Cached + g.Own;
        ref float packedQ = ref MemoryMarshal.GetArrayDataReference(packed);
        ref float k = ref MemoryMarshal.GetReference(kv);
        Span<float> lanes = stackalloc float[4 * QueryBlock];
        for (int i0 = 0; i0 < g.Own; i0 += QueryBlock)
        {
            int n = Math.Min(QueryBlock, g.Own - i0);
            for (int i = 0; i < n; i++)
            {
                var query = q.Slice(checked((int)g.QueryRows[p * g.Own + i0 + i]) * l.D + h * l.Dk, l.Dk);
                for (int e = 0; e < l.Dk; e++) packed[e * QueryBlock + i] = query[e];
            }
            int j = 0;
            for (; j + 4 <= keys; j += 4)
            {
                nuint r0 = KeyColumn(g, p, j, h, l), r1 = KeyColumn(g, p, j + 1, h, l), r2 = KeyColumn(g, p, j + 2, h, l), r3 = KeyColumn(g, p, j + 3, h, l);
                Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
                for (int e = 0; e < l.Dk; e++)
                {
                    var lo = Vector256.LoadUnsafe(ref packedQ, (nuint)(e * QueryBlock));
                    var hi = Vector256.LoadUnsafe(ref packedQ, (nuint)(e * QueryBlock + 8));
                    var k0 = Vector256.Create(Unsafe.Add(ref k, r0 + (nuint)e));
                    var k1 = Vector256.Create(Unsafe.Add(ref k, r1 + (nuint)e));
                    var k2 = Vector256.Create(Unsafe.Add(ref k, r2 + (nuint)e));
                    var k3 = Vector256.Create(Unsafe.Add(ref k, r3 + (nuint)e));
                    a0 = Vector256.FusedMultiplyAdd(k0, lo, a0);
                    b0 = Vector256.FusedMultiplyAdd(k0, hi, b0);
                    a1 = Vector256.FusedMultiplyAdd(k1, lo, a1);
                    b1 = Vector256.FusedMultiplyAdd(k1, hi, b1);
                    a2 = Vector256.FusedMultiplyAdd(k2, lo, a2);
                    b2 = Vector256.FusedMultiplyAdd(k2, hi, b2);
                    a3 = Vector256.FusedMultiplyAdd(k3, lo, a3);
                    b3 = Vector256.FusedMultiplyAdd(k3, hi, b3);
                }
                a0.CopyTo(lanes);
                b0.CopyTo(lanes[8..]);
                a1.CopyTo(lanes[16..]);
                b1.CopyTo(lanes[24..]);
                a2.CopyTo(lanes[32..]);
                b2.CopyTo(lanes[40..]);
                a3.CopyTo(lanes[48..]);
                b3.CopyTo(lanes[56..]);
                for (int i = 0; i < n; i++)
                    for (int t = 0; t < 4; t++)
                        scores[(i0 + i) * keys + j + t] = lanes[t * QueryBlock + i];
            }
            for (; j < keys; j++)
            {
                nuint r = KeyColumn(g, p, j, h, l);
                Vector256<float> a = default, b = default;
                for (int e = 0; e < l.Dk; e++)
                {
                    var kj = Vector256.Create(Unsafe.Add(ref k, r + (nuint)e));
                    a = Vector256.FusedMultiplyAdd(kj, Vector256.LoadUnsafe(ref packedQ, (nuint)(e * QueryBlock)), a);
                    b = Vector256.FusedMultiplyAdd(kj, Vector256.LoadUnsafe(ref packedQ, (nuint)(e * QueryBlock + 8)), b);
                }
                a.CopyTo(lanes);
                b.CopyTo(lanes[8..]);
                for (int i = 0; i < n; i++) scores[(i0 + i) * keys + j] = lanes[i];
            }
        }
    }

    // context[i, e] = Σ_j probabilities[i, j] · v[j, e], fused in key order, into the query row's head columns.
    // Two query rows at a time share each value load and keep eight accumulators in flight (one row's four chains
    // waited on the fused multiply-add's latency); an odd last row is paired with itself, which costs no more than
    // one row alone. The values' columns are found once per piece and head.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Context(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> kv, Layout l, EncoderBatchPlan.AttentionGroup g, int p, int h, Span<float> attention)
    {
        int keys = g.Cached + g.Own;
        ref float v = ref MemoryMarshal.GetReference(kv);
        Span<nuint> columns = stackalloc nuint[keys];
        for (int j = 0; j < keys; j++) columns[j] = (nuint)ValueColumn(g, p, j, h, l);
        for (int i = 0; i < g.Own; i += 2)
        {
            int i1 = Math.Min(i + 1, g.Own - 1);
            var first = attention.Slice(checked((int)g.QueryRows[p * g.Own + i]) * l.D + h * l.Dk, l.Dk);
            var second = attention.Slice(checked((int)g.QueryRows[p * g.Own + i1]) * l.D + h * l.Dk, l.Dk);
            var w0 = probabilities.Slice(i * keys, keys);
            var w1 = probabilities.Slice(i1 * keys, keys);
            int e = 0;
            for (; e <= l.Dk - 32; e += 32)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
                for (int j = 0; j < keys; j++)
                {
                    var p0 = Vector256.Create(w0[j]);
                    var p1 = Vector256.Create(w1[j]);
                    nuint at = columns[j] + (nuint)e;
                    var v0 = Vector256.LoadUnsafe(ref v, at);
                    var v1 = Vector256.LoadUnsafe(ref v, at + 8);
                    var v2 = Vector256.LoadUnsafe(ref v, at + 16);
                    var v3 = Vector256.LoadUnsafe(ref v, at + 24);
                    a0 = Vector256.FusedMultiplyAdd(p0, v0, a0);
                    b0 = Vector256.FusedMultiplyAdd(p1, v0, b0);
                    a1 = Vector256.FusedMultiplyAdd(p0, v1, a1);
                    b1 = Vector256.FusedMultiplyAdd(p1, v1, b1);
                    a2 = Vector256.FusedMultiplyAdd(p0, v2, a2);
                    b2 = Vector256.FusedMultiplyAdd(p1, v2, b2);
                    a3 = Vector256.FusedMultiplyAdd(p0, v3, a3);
                    b3 = Vector256.FusedMultiplyAdd(p1, v3, b3);
                }
                a0.CopyTo(first[e..]);
                a1.CopyTo(first[(e + 8)..]);
                a2.CopyTo(first[(e + 16)..]);
                a3.CopyTo(first[(e + 24)..]);
                b0.CopyTo(second[e..]);
                b1.CopyTo(second[(e + 8)..]);
                b2.CopyTo(second[(e + 16)..]);
                b3.CopyTo(second[(e + 24)..]);
            }
            ContextTail(w0, kv, columns, e, first);
            if (i1 != i) ContextTail(w1, kv, columns, e, second);
        }
    }

    // The head's columns past the last full 32, one at a time, in the same order.
    private static void ContextTail(ReadOnlySpan<float> weights, ReadOnlySpan<float> kv, ReadOnlySpan<nuint> columns, int from, Span<float> output)
    {
        for (int e = from; e < output.Length; e++)
        {
            float acc = 0;
            for (int j = 0; j < weights.Length; j++) acc = MathF.FusedMultiplyAdd(weights[j], kv[checked((int)columns[j]) + e], acc);
            output[e] = acc;
        }
    }

    // Where key j of piece p has its keys for head h: the row's key half, the head's columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint KeyColumn(EncoderBatchPlan.AttentionGroup g, int p, int j, int h, Layout l)
        => (nuint)(g.KeyRows[p * (g.Cached + g.Own) + j] * l.KvWidth + l.KvColumn + h * l.Dk);

    // Where key j of piece p has its values for head h: the row's value half, the head's columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ValueColumn(EncoderBatchPlan.AttentionGroup g, int p, int j, int h, Layout l)
        => (int)g.KeyRows[p * (g.Cached + g.Own) + j] * l.KvWidth + l.KvColumn + l.D + h * l.Dk;

    private static void RequireCpuContiguous(params Tensor[] tensors)
    {
        foreach (var t in tensors)
            if (t.device_type != DeviceType.CPU || t.dtype != ScalarType.Float32 || !t.is_contiguous())
                throw new ArgumentException("attention on the CPU needs contiguous float32 CPU tensors");
    }

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);
}
