using System.Diagnostics;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace SpeechPairs.Bench;

/// <summary>
/// The rate libtorch gives the encoder's own matrix products on this machine: one full window (1 024 rows) through
/// a layer's four products (q/k/v 512→1536, output 512→512, feed-forward 512→2048→512), one torch thread in each of
/// the lanes side by side, exactly as the encoder runs them. The 2048² matmul (<c>limit_xrt</c>) says what the cores
/// can do; this says what these shapes get, so the distance between the two is kernel efficiency, not scheduling.
/// </summary>
public static class EncoderGemmRate
{
    private const int Rows = 1024, Width = 512, Ffn = 2048;

    /// <summary>GFLOP/s of the four products over <paramref name="lanes"/> single-threaded lanes, best of three.</summary>
    /// <remarks>
    /// Call with torch's intra-op pool at one thread (the encoder's CPU setting). With a bias, as the encoder's
    /// layers have one, libtorch runs each product on the calling thread's one-thread setting; without one, its
    /// matmul in a new thread used both cores (measured on a Xeon), which made two lanes four threads.
    /// </remarks>
    public static double Gflops(int lanes, int layersPerLane = 25)
    {
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var sw = Stopwatch.StartNew();
            var threads = Enumerable.Range(0, lanes).Select(_ => new Thread(() => Layers(layersPerLane))).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            double flops = lanes * layersPerLane * 2.0 * Rows * Width * (3 * Width + Width + 2 * Ffn);
            best = Math.Max(best, flops / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    private static void Layers(int count)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = randn(Rows, Width);
        var qkv = randn(3 * Width, Width);
        var output = randn(Width, Width);
        var ffn1 = randn(Ffn, Width);
        var ffn2 = randn(Width, Ffn);
        var (qkvBias, outputBias, ffn1Bias, ffn2Bias) = (randn(3 * Width), randn(Width), randn(Ffn), randn(Width));
        for (int i = 0; i < count; i++)
        {
            using var layer = NewDisposeScope();
            linear(x, qkv, qkvBias);
            linear(x, output, outputBias);
            linear(linear(x, ffn1, ffn1Bias), ffn2, ffn2Bias);
        }
    }
}
