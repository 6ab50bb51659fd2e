using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Bench;

/// <summary>
/// <c>bench encoder</c>: vq02 alone with a full-size random-weight encoder built in memory, on 1 and 2 torch
/// threads, layer-major and (optionally) piece by piece, plus peak memory.
/// </summary>
public static class EncoderBenchmark
{
    public static int Run(double seconds, int[] threadCounts, bool stepped)
    {
        var config = new ParaformerConfig("SANMEncoderChunkOpt", SyntheticBundle.Width, SyntheticBundle.Heads, SyntheticBundle.Ffn,
            SyntheticBundle.Blocks, SyntheticBundle.Kernel, 0, "pe_online", true, "WavFrontendOnline", 16000,
            SyntheticBundle.MelBins, SyntheticBundle.LfrM, SyntheticBundle.LfrN, 0.0);
        SanmEncoderWeights weights;
        using (var scope = NewDisposeScope())
            weights = SanmEncoderWeights.FromStateDict(SyntheticBundle.RandomStateDict(new Generator(1)), "random", config, CPU);
        using var quantizer = CentroidQuantizer.FromArray(SyntheticBundle.RandomCentroids(new Random(2)), SyntheticBundle.Centroids, SyntheticBundle.Width, CPU);
        var cmvn = CmvnStats.Load(Path.Combine(SyntheticBundle.FixtureBundle, "dengcunqin",
            "speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online", "am.mvn"));
        var audio = SpeechLikeAudio.Generate(seconds, 16000, 1, seed: 3)[0];
        var features = new OnlineFrontend(cmvn).Extract(Tokenizer.Audio.EnergyNormalizer.Normalize(audio));
        double flops = EncoderFlops.Count(features, config.NumBlocks, config.OutputSize, config.LinearUnits, config.KernelSize, config.InputSize);
        var encoder = new SanmStreamingEncoder(weights, CPU);

        Console.WriteLine($"vq02 encoder, full-size random weights in memory, {seconds:0} s of audio ({features.Frames} LFR frames, {features.PieceLengths.Length} pieces, {flops / 1e9:0} GFLOP in the reference schedule)");
        var keys = new List<string>();
        foreach (int threads in threadCounts)
        {
            set_num_threads(threads);
            encoder.Encode([features]).Frames.Dispose(); // warm-up
            var (s, frames) = Measure.Best(1, () => encoder.Encode([features]).Frames);
            var (q, _) = Measure.Best(1, () => quantizer.Assign(frames));
            frames.Dispose();
            double matmul = TokenizerBenchmark.MatmulGflops();
            Console.WriteLine($"  {threads} thread(s): layer-major {s:0.00} s + centroids {q:0.000} s = {seconds / (s + q):0.00}x realtime, {flops / s / 1e9:0.0} GFLOP/s ({100 * flops / s / 1e9 / matmul:0}% of a {matmul:0.0} GFLOP/s matmul)");
            keys.Add($"vq02_xrt_t{threads}={seconds / (s + q):0.00} encoder_gflops_t{threads}={flops / s / 1e9:0.0} matmul_gflops_t{threads}={matmul:0.0}");
            if (stepped)
            {
                var reference = new SteppedSanmEncoder(weights, CPU);
                var (ss, t) = Measure.Best(1, () => reference.Encode(features));
                t.Dispose();
                Console.WriteLine($"  {threads} thread(s): piece by piece {ss:0.00} s = {seconds / (ss + q):0.00}x realtime, {flops / ss / 1e9:0.0} GFLOP/s");
                keys.Add($"stepped_vq02_xrt_t{threads}={seconds / (ss + q):0.00}");
            }
        }
        double peak = Measure.PeakWorkingSetMb();
        Console.WriteLine($"  peak working set {peak:0} MB");
        Console.WriteLine(string.Join(" ", keys) + $" peak_ws_mb={peak:0}");
        weights.Dispose();
        return 0;
    }
}
