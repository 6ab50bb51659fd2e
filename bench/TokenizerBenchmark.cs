using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Bench;

/// <summary>
/// <c>bench tokenizer</c>: the whole vq0206 tokenizer with full-size random weights on one clip, stage by
/// stage, with the encoder's achieved GFLOP/s (counting only the reference's own arithmetic) next to a plain
/// large matmul's on the same threads. The last line is machine-readable key=value pairs.
/// </summary>
public static class TokenizerBenchmark
{
    public static int Run(double seconds, int threads, int onnxThreads, string? onnx, bool stepped, int repeat)
    {
        string bundle = SyntheticBundle.Ensure(onnx, Console.Error.WriteLine);
        using var models = TokenizerModels.Load(bundle, new TokenizerOptions
        {
            Device = ComputeDeviceKind.Cpu,
            TorchThreads = threads,
            OnnxThreads = onnxThreads,
        });
        var tokenizer = new Vq0206Tokenizer(models);
        var config = models.Config;

        string dir = Path.Combine(Path.GetTempPath(), "speechpairs-bench");
        string wav = Path.Combine(dir, $"speechlike-{seconds}s-48k-stereo.wav");
        SpeechLikeAudio.WriteWav16(wav, SpeechLikeAudio.Generate(seconds, 48000, 2, seed: 1), 48000);
        var clip = WavReader.Read(wav);

        // Warm-up on a short clip: JIT, torch and ONNX kernels, allocator.
        tokenizer.Tokenize(clip with { Samples = clip.Samples[..Math.Min(clip.Samples.Length, 48000 * 5)] });

        var (front, prepared) = Measure.Best(repeat, () =>
        {
            var normed = tokenizer.Preprocess(clip);
            var features = models.Frontend.Extract(normed);
            return (normed, features);
        });
        var (normed, features) = prepared;
        var (logMel, _) = Measure.Best(repeat, () =>
        {
            int frames = 0;
            foreach (var (start, length) in Vq06Chunks.Split(normed.Length))
            {
                models.LogMel.Compute(normed.AsSpan(start, length), out int f);
                frames += f;
            }
            return frames;
        });
        front += logMel;

        var (encoder, encoded) = Measure.Best(repeat, () => models.Encoder.Encode([features]).Frames);
        var (centroid, codes) = Measure.Best(repeat, () => models.Quantizer.Assign(encoded));
        encoded.Dispose();
        var (vq06, vq06Codes) = Measure.Best(repeat, () => tokenizer.Vq06Codes(normed));
        var (whole, result) = Measure.Best(repeat, () => tokenizer.TokenizeBatch([clip])[0]);
        if (!result.Succeeded) throw new InvalidOperationException(result.Error);

        double flops = EncoderFlops.Count(features, config.NumBlocks, config.OutputSize, config.LinearUnits, config.KernelSize, config.InputSize);
        double encoderGflops = flops / encoder / 1e9;
        double matmulGflops = MatmulGflops();
        double steppedSeconds = double.NaN;
        if (stepped)
        {
            var reference = new SteppedSanmEncoder(models.Weights, CPU);
            (steppedSeconds, var t) = Measure.Best(1, () => reference.Encode(features));
            t.Dispose();
        }
        double peak = Measure.PeakWorkingSetMb();

        Console.WriteLine($"vq0206 tokenizer, full-size random weights ({config.NumBlocks} blocks × {config.OutputSize}, FFN {config.LinearUnits}, {config.AttentionHeads} heads; "
            + $"vq06 {(onnx is null ? "tiny fixture stand-in" : Path.GetFileName(onnx))}), {seconds:0} s of 48 kHz stereo, torch threads {threads}, ONNX threads {onnxThreads}, best of {repeat}");
        Row("front end (resample, norm, fbank/LFR/CMVN, log-mel)", front, seconds);
        Row($"vq02 encoder, layer-major ({features.Frames} frames, {features.PieceLengths.Length} pieces)", encoder, seconds);
        if (stepped) Row("vq02 encoder, piece by piece (reference schedule)", steppedSeconds, seconds);
        Row($"vq02 nearest centroid ({codes.Length} codes)", centroid, seconds);
        Row($"vq06 (log-mel + ONNX, {vq06Codes.Length} codes)", vq06, seconds);
        Row("whole tokenizer (vq06 overlapping vq02)", whole, seconds);
        Console.WriteLine($"  encoder arithmetic (reference schedule): {flops / 1e9:0.0} GFLOP; layer-major {encoderGflops:0.0} GFLOP/s"
            + (stepped ? $", piece by piece {flops / steppedSeconds / 1e9:0.0} GFLOP/s" : "")
            + $"; 2048² fp32 matmul {matmulGflops:0.0} GFLOP/s on {threads} thread(s) → {100 * encoderGflops / matmulGflops:0}% of it");
        Console.WriteLine($"  peak working set {peak:0} MB");
        double vq02Seconds = encoder + centroid;
        Console.WriteLine($"vq02_xrt={seconds / vq02Seconds:0.00} vq06_xrt={seconds / vq06:0.00} tokenizer_xrt={seconds / whole:0.00} "
            + $"frontend_xrt={seconds / front:0.0} encoder_gflops={encoderGflops:0.0} matmul_gflops={matmulGflops:0.0} "
            + (stepped ? $"stepped_encoder_gflops={flops / steppedSeconds / 1e9:0.0} stepped_vq02_xrt={seconds / (steppedSeconds + centroid):0.00} " : "")
            + $"peak_ws_mb={peak:0} threads={threads} onnx_threads={onnxThreads} seconds={seconds:0}");
        return 0;
    }

    /// <summary>The machine's practical fp32 limit on the current thread count: a 2048² matmul.</summary>
    public static double MatmulGflops()
    {
        using var scope = NewDisposeScope();
        var a = randn(2048, 2048);
        var b = randn(2048, 2048);
        a.matmul(b);
        var (s, _) = Measure.Best(3, () =>
        {
            for (int i = 0; i < 4; i++) a.matmul(b).Dispose();
            return 0;
        });
        return 4 * 2.0 * 2048 * 2048 * 2048 / s / 1e9;
    }

    private static void Row(string stage, double s, double audioSeconds)
        => Console.WriteLine($"  {stage,-72} {s,8:0.000} s  {audioSeconds / s,8:0.00}x realtime");
}
