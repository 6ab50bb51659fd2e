using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>
/// The encoder's own FSMN kernel against torch's depthwise <c>conv1d</c> (what the reference runs): bit for bit, on
/// pieces of every length the streaming plan makes, widths with and without a SIMD remainder, and other kernels,
/// wherever <see cref="CpuKernels"/> lets the encoder use it (on the x86-64 machines measured: everywhere).
/// </summary>
public sealed class FsmnMemoryTests
{
    [SkippableTheory]
    [InlineData(512, 11, 1)]   // the real encoder
    [InlineData(512, 11, 2)]
    [InlineData(40, 11, 3)]    // not a multiple of 32 or of 8: every remainder path
    [InlineData(13, 5, 4)]
    [InlineData(64, 3, 5)]
    [InlineData(32, 15, 6)]    // a kernel wider than a piece
    public void OwnKernelEqualsTorchConv1dBitForBit(int d, int kernel, int seed)
    {
        Skip.IfNot(CpuKernels.FsmnMatchesTorch(d, kernel), $"torch's conv1d accumulates differently on this machine (d {d}, kernel {kernel}): the encoder uses it instead");
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        // Pieces of 5 overlap rows plus 1..4 new frames, in an order that interleaves the groups' rows.
        var random = new Random(seed);
        var owns = Enumerable.Range(0, 60).Select(_ => 5 + 1 + random.Next(4)).ToArray();
        int rows = owns.Sum(), padded = rows + 7;
        var plan = PiecesInOrder(owns);

        var qkv = randn(padded, 3 * d, generator: generator) * 3;
        var weight = randn(d, 1, kernel, generator: generator) * 0.2;
        var kernelMemory = zeros(padded, d);
        var torchMemory = zeros(padded, d);
        FsmnMemory.OnCpu(qkv, 2 * d, FsmnMemory.Taps(weight), plan, kernelMemory);
        FsmnMemory.WithTorch(qkv.narrow(1, 2 * d, d), weight, plan, torchMemory);

        float[] expected = torchMemory.ToFloatArray(), actual = kernelMemory.ToFloatArray();
        Compare.SameBits(expected, actual, $"own kernel against torch's conv1d (d {d}, kernel {kernel})");
        Assert.True(actual.Skip(rows * d).All(v => v == 0), "rows outside every piece are left as they were");
        Assert.Contains(actual, v => v != 0);
    }

    [SkippableTheory]
    [InlineData(512, 11)]   // the real encoder
    [InlineData(40, 11)]    // every remainder path
    [InlineData(32, 15)]    // a kernel wider than a piece
    public void OwnKernelComputesExactlyItsStatedOrder(int d, int kernel)
    {
        // Machine-independent: each output is its taps' products fused in tap order from 0 (taps on the padding add
        // nothing), plus the value. A kernel that computed anything else would be refused by CpuKernels and silently
        // replaced by torch; this says so on every machine.
        using var scope = NewDisposeScope();
        var owns = new[] { 9, 6, 9, 7, 8, 9 };
        int rows = owns.Sum();
        var plan = PiecesInOrder(owns);
        var qkv = randn(rows, 3 * d, generator: new TorchSharp.torch.Generator(9)) * 3;
        var weight = randn(d, 1, kernel, generator: new TorchSharp.torch.Generator(10)) * 0.2;
        var memory = zeros(rows, d);
        FsmnMemory.OnCpu(qkv, 2 * d, FsmnMemory.Taps(weight), plan, memory);

        float[] v = qkv.ToFloatArray(), w = weight.ToFloatArray();
        var expected = new float[rows * d];
        int start = 0, half = (kernel - 1) / 2;
        foreach (int own in owns)
        {
            for (int t = 0; t < own; t++)
                for (int c = 0; c < d; c++)
                {
                    float acc = 0;
                    for (int k = 0; k < kernel; k++)
                    {
                        int source = t + k - half;
                        if (source >= 0 && source < own)
                            acc = MathF.FusedMultiplyAdd(w[c * kernel + k], v[(start + source) * 3 * d + 2 * d + c], acc);
                    }
                    expected[(start + t) * d + c] = acc + v[(start + t) * 3 * d + 2 * d + c];
                }
            start += own;
        }
        Compare.SameBits(expected, memory.ToFloatArray(), $"FSMN kernel against its stated order (d {d}, kernel {kernel})");
    }

    // FSMN groups for pieces of these row counts, one after another from row 0 (groups interleave where lengths alternate).
    private static EncoderBatchPlan.FsmnGroup[] PiecesInOrder(int[] owns)
    {
        var groups = new Dictionary<int, List<long>>();
        int first = 0;
        foreach (int own in owns)
        {
            if (!groups.TryGetValue(own, out var list)) groups[own] = list = [];
            for (int i = 0; i < own; i++) list.Add(first + i);
            first += own;
        }
        return groups.Select(g => new EncoderBatchPlan.FsmnGroup(g.Key, g.Value.Count / g.Key, g.Value.ToArray())).ToArray();
    }

    [SkippableFact]
    public void RefusesTensorsItCannotReadInPlace()
    {
        using var scope = NewDisposeScope();
        var qkv = randn(30, 30).t(); // not contiguous
        var plan = new[] { new EncoderBatchPlan.FsmnGroup(10, 3, Enumerable.Range(0, 30).Select(i => (long)i).ToArray()) };
        Assert.Throws<ArgumentException>(() => FsmnMemory.OnCpu(qkv, 20, new float[110], plan, zeros(30, 10)));
    }

    [SkippableFact]
    public void RefusesPiecesOutsideTheWindowOrNotARun()
    {
        using var scope = NewDisposeScope();
        var qkv = randn(30, 30);
        var outside = new[] { new EncoderBatchPlan.FsmnGroup(10, 1, Enumerable.Range(25, 10).Select(i => (long)i).ToArray()) };
        var notARun = new[] { new EncoderBatchPlan.FsmnGroup(3, 1, [0, 2, 4]) };
        Assert.Throws<ArgumentException>(() => FsmnMemory.OnCpu(qkv, 20, new float[110], outside, zeros(30, 10)));
        Assert.Throws<ArgumentException>(() => FsmnMemory.OnCpu(qkv, 20, new float[110], notARun, zeros(30, 10)));
    }
}
