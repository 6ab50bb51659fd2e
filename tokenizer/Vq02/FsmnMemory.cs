using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// The SAN-M attention's FSMN memory: every piece's values convolved depthwise over its own rows (kernel K, zero
/// padding (K − 1) / 2 on both sides, no cache across pieces), plus the values themselves.
/// </summary>
/// <remarks>
/// On the CPU this is computed here instead of by torch's <c>conv1d(groups: D)</c>: on a window's shapes (~110 pieces
/// of 9 rows × 512 channels) torch's depthwise convolution took about 30 ms per call on one thread, a fifth of the
/// encoder's time for well under 1 % of its arithmetic; this kernel takes well under 1 ms. It accumulates as torch's
/// convolution does on the machines measured: each output starts at 0 and adds w_k · x_k with one fused multiply-add
/// per tap in tap order (taps in the padding add nothing), then the value is added. The encoder uses it only where
/// <see cref="CpuKernels.FsmnMatchesTorch"/> found it bit-for-bit equal to <see cref="WithTorch"/>.
/// </remarks>
internal static class FsmnMemory
{
    /// <summary>
    /// Writes every piece's memory rows into <paramref name="memory"/> [rows, D]; <paramref name="values"/> are the
    /// layer's values, columns <paramref name="valueColumn"/>.. of a contiguous [rows, width] CPU tensor.
    /// <paramref name="taps"/> is the convolution weight tap-major: [K, D].
    /// </summary>
    public static void OnCpu(Tensor values, int valueColumn, float[] taps, IEnumerable<EncoderBatchPlan.FsmnGroup> groups, Tensor memory)
    {
        int width = (int)values.shape[1], d = (int)memory.shape[1], kernel = taps.Length / d;
        if (!values.is_contiguous() || !memory.is_contiguous() || values.device_type != DeviceType.CPU || values.dtype != ScalarType.Float32)
            throw new ArgumentException("FSMN memory on the CPU needs contiguous float32 CPU tensors");
        if (taps.Length != kernel * d || kernel % 2 == 0 || valueColumn < 0 || valueColumn + d > width)
            throw new ArgumentException($"FSMN memory: {taps.Length} taps for width {d}, values at column {valueColumn} of {width}");
        long rows = Math.Min(values.shape[0], memory.shape[0]);
        ReadOnlySpan<float> source = MemoryMarshal.Cast<byte, float>(values.bytes);
        Span<float> target = MemoryMarshal.Cast<byte, float>(memory.bytes);
        foreach (var g in groups)
        {
            for (int p = 0; p < g.Count; p++)
            {
                int first = checked((int)g.Rows[p * g.Own]);
                // The kernel reads a piece's rows as one run: check it is one, inside both tensors.
                for (int t = 0; t < g.Own; t++)
                    if (g.Rows[p * g.Own + t] != first + t || first + t >= rows || first < 0)
                        throw new ArgumentException($"FSMN memory: piece {p} of a {g.Own}-row group is not a run of rows inside the {rows}-row window");
                for (int t = 0; t < g.Own; t++)
                {
                    // Taps that fall on rows of this piece: the others read the zero padding.
                    int kFrom = Math.Max(0, (kernel - 1) / 2 - t), kTo = Math.Min(kernel, g.Own - t + (kernel - 1) / 2);
                    var row = target.Slice((first + t) * d, d);
                    Row(source, width, valueColumn, first + t - (kernel - 1) / 2, kFrom, kTo, taps, d, row);
                }
            }
        }
    }

    // row[c] = (Σ_{k in [kFrom, kTo)} taps[k, c] · v[r0 + k, c], fused in tap order from 0) + v[r0 + (K − 1) / 2, c].
    // The caller's bounds hold every index: taps [K, d], v rows r0 + kFrom .. r0 + kTo − 1 and the centre row, row [d].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row(ReadOnlySpan<float> source, int width, int column, int r0, int kFrom, int kTo, float[] taps, int d, Span<float> row)
    {
        ref float v = ref MemoryMarshal.GetReference(source);
        ref float w = ref MemoryMarshal.GetArrayDataReference(taps);
        ref float o = ref MemoryMarshal.GetReference(row);
        nuint centre = (nuint)((r0 + (taps.Length / d - 1) / 2) * width + column);
        int c = 0;
        // Four channel blocks at once: four independent chains hide the fused multiply-add's latency.
        for (; c <= d - 4 * Vector256<float>.Count; c += 4 * Vector256<float>.Count)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int k = kFrom; k < kTo; k++)
            {
                nuint wk = (nuint)(k * d + c), vk = (nuint)((r0 + k) * width + column + c);
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, wk), Vector256.LoadUnsafe(ref v, vk), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, wk + 8), Vector256.LoadUnsafe(ref v, vk + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, wk + 16), Vector256.LoadUnsafe(ref v, vk + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, wk + 24), Vector256.LoadUnsafe(ref v, vk + 24), a3);
            }
            nuint at = centre + (nuint)c;
            (a0 + Vector256.LoadUnsafe(ref v, at)).StoreUnsafe(ref o, (nuint)c);
            (a1 + Vector256.LoadUnsafe(ref v, at + 8)).StoreUnsafe(ref o, (nuint)c + 8);
            (a2 + Vector256.LoadUnsafe(ref v, at + 16)).StoreUnsafe(ref o, (nuint)c + 16);
            (a3 + Vector256.LoadUnsafe(ref v, at + 24)).StoreUnsafe(ref o, (nuint)c + 24);
        }
        for (; c <= d - Vector256<float>.Count; c += Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (int k = kFrom; k < kTo; k++)
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w, (nuint)(k * d + c)), Vector256.LoadUnsafe(ref v, (nuint)((r0 + k) * width + column + c)), acc);
            (acc + Vector256.LoadUnsafe(ref v, centre + (nuint)c)).StoreUnsafe(ref o, (nuint)c);
        }
        for (; c < d; c++)
        {
            float acc = 0;
            for (int k = kFrom; k < kTo; k++)
                acc = MathF.FusedMultiplyAdd(taps[k * d + c], source[(r0 + k) * width + column + c], acc);
            row[c] = acc + source[(int)centre + c];
        }
    }

    /// <summary>The same with torch's depthwise <c>conv1d</c>, on any device.</summary>
    public static void WithTorch(Tensor v, Tensor weight, IEnumerable<EncoderBatchPlan.FsmnGroup> groups, Tensor memory)
    {
        int d = (int)memory.shape[1], kernel = (int)weight.shape[2];
        foreach (var g in groups)
        {
            using var scope = NewDisposeScope();
            var rowIndex = tensor(g.Rows, dtype: int64).to(v.device);
            var vg = v.index_select(0, rowIndex).view(g.Count, g.Own, d);
            var conv = conv1d(vg.transpose(1, 2), weight, padding: (kernel - 1) / 2, groups: d).transpose(1, 2);
            memory.index_copy_(0, rowIndex, (conv + vg).reshape(g.Count * g.Own, d));
        }
    }

    /// <summary>A depthwise weight [D, 1, K] as tap-major [K, D] floats.</summary>
    public static float[] Taps(Tensor weight)
    {
        using var scope = NewDisposeScope();
        return weight.squeeze(1).t().ToFloatArray();
    }
}
