using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Bench;

/// <summary>
/// <c>bench tokenizer</c>: the whole vq0206 tokenizer with full-size random weights on one clip, with each stage's
/// share of its wall time, the achieved GFLOP/s of the vq02 encoder and of vq06 (counting only the reference's own
/// arithmetic), and the limit a plain large matmul on the same threads implies (<c>limit_xrt</c>: all of that
/// arithmetic at the matmul's rate). The last line is machine-readable key=value pairs.
/// </summary>
public static class TokenizerBenchmark
{
    public static int Run(double seconds, int threads, int onnxThreads, string? onnx, bool stepped, int repeat)
    {
        string bundle = SyntheticBundle.Ensure(onnx, Console.Error.WriteLine);
        using var models = TokenizerModels.Load(bundle, new ModelOptions
        {
            Device = ComputeDeviceKind.Cpu,
            TorchThreads = threads,
            OnnxThreads = onnxThreads,
        });
        var tokenizer = models.CreateTokenizer();
        var config = models.Config;

        var clip = SpeechLikeClip(seconds);
        WarmUp(tokenizer, clip);

        // The whole tokenizer, as the worker runs it; the stage times of the best run give the shares. The machine's
        // speed drifts by ±10 % within minutes, so the limit is taken from 2048² matmuls just before and just after
        // that best run, not from one minutes away.
        int lanesThreads = TokenizerModels.TorchIntraOpThreads(models.Options, models.Device.type);
        double MatmulNow()
        {
            set_num_threads(threads);
            double g = MatmulGflops();
            set_num_threads(lanesThreads);
            return g;
        }
        var best = double.MaxValue;
        var shares = (Pre: 0.0, Front: 0.0, Encoder: 0.0, Vq06: 0.0);
        var matmul = (Before: 0.0, After: 0.0);
        ClipOutcome result = null!;
        double before = MatmulNow();
        for (int i = 0; i < Math.Max(1, repeat); i++)
        {
            var timed = models.CreateTokenizer();
            var (s, r) = Measure.Best(1, () => timed.TokenizeBatch([clip])[0]);
            double after = MatmulNow();
            result = r;
            if (s < best)
            {
                best = s;
                var t = timed.Times;
                shares = (t.PreprocessSeconds, t.Vq02FrontEndSeconds, t.Vq02EncoderSeconds, t.Vq06Seconds);
                matmul = (before, after);
            }
            before = after;
        }
        if (!result.Succeeded) throw new InvalidOperationException(result.Error);
        double whole = best;

        // The vq02 encoder alone (for its GFLOP/s) and the reference's piece-by-piece schedule as a yardstick.
        var features = models.Vq02.Frontend.Extract(tokenizer.Preprocess(clip));
        var (encoder, encoded) = Measure.Best(repeat, () => models.Vq02.Encoder.Encode([features], models.Vq02.Lanes).Frames);
        // For comparison, the same lanes with torch's own FSMN convolution and gathered attention (the same bits).
        var torchOps = new SanmStreamingEncoder(models.Vq02.Weights, models.Device) { OwnCpuKernels = false };
        var (torchOpsSeconds, torchOpsEncoded) = Measure.Best(repeat, () => torchOps.Encode([features], models.Vq02.Lanes).Frames);
        bool sameBits = encoded.eq(torchOpsEncoded).all().item<bool>();
        encoded.Dispose();
        torchOpsEncoded.Dispose();
        // For comparison, one lane on a wide torch pool (how vq02 ran before lanes; may move near-tie codes).
        set_num_threads(threads);
        var (wide, wideEncoded) = Measure.Best(repeat, () => models.Vq02.Encoder.Encode([features]).Frames);
        wideEncoded.Dispose();
        set_num_threads(lanesThreads);
        double matmulGflops = (matmul.Before + matmul.After) / 2;
        double gemmGflops = EncoderGemmRate.Gflops(models.Vq02.Lanes);
        double steppedSeconds = double.NaN;
        if (stepped)
        {
            var reference = new SteppedSanmEncoder(models.Vq02.Weights, CPU);
            (steppedSeconds, var t) = Measure.Best(1, () => reference.Encode(features));
            t.Dispose();
        }

        var normed = tokenizer.Preprocess(clip);
        var vq06Shape = onnx is null ? Vq06Flops.Tiny : Vq06Flops.FullSize;
        double vq06Flops = Vq06Chunks.Split(normed.Length).Sum(c => vq06Shape.Count(WhisperLogMel.FrameCount(c.Length)));
        double vq02Flops = EncoderFlops.Count(features, config.NumBlocks, config.OutputSize, config.LinearUnits, config.KernelSize, config.InputSize);
        double limitSeconds = (vq02Flops + vq06Flops) / (matmulGflops * 1e9);
        double encoderGflops = vq02Flops / encoder / 1e9;
        double vq06Gflops = vq06Flops / shares.Vq06 / 1e9;
        double vq02Seconds = shares.Front + shares.Encoder;
        double peak = Measure.PeakWorkingSetMb();

        Console.WriteLine($"vq0206 tokenizer, full-size random weights ({config.NumBlocks} blocks × {config.OutputSize}, FFN {config.LinearUnits}, {config.AttentionHeads} heads; "
            + $"vq06 {(onnx is null ? "tiny fixture stand-in" : Path.GetFileName(onnx))}, {new FileInfo(models.Layout.SpeechTokenizerOnnx).Length / 1e6:0} MB), "
            + $"{seconds:0} s of 48 kHz stereo, {Environment.ProcessorCount} cores, torch threads {threads}, ONNX threads {onnxThreads}, vq06 lanes {models.Vq06.Lanes}, best of {repeat}");
        Row("whole tokenizer (vq02, then vq06 in lanes)", whole, seconds);
        Share("preprocess (resample 48k→16k, energy norm)", shares.Pre, whole);
        Share("vq02 front end (fbank, LFR, CMVN)", shares.Front, whole);
        Share($"vq02 encoder + nearest centroid ({features.Frames} frames, {features.PieceLengths.Length} pieces)", shares.Encoder, whole);
        Share($"vq06 (log-mel + ONNX, {result.Tokens!.Vq06.Length} codes)", shares.Vq06, whole);
        Share("other (batch bookkeeping, merging the codes)", whole - shares.Pre - shares.Front - shares.Encoder - shares.Vq06, whole);
        Row($"vq02 encoder alone, {models.Vq02.Lanes} lane(s) × {lanesThreads} torch thread", encoder, seconds);
        Row($"vq02 encoder alone, same lanes, torch's conv1d and gathered attention ({(sameBits ? "same bits" : "DIFFERENT BITS")})", torchOpsSeconds, seconds);
        Row($"vq02 encoder alone, 1 lane × {threads} torch threads (for comparison)", wide, seconds);
        if (stepped) Row("vq02 encoder alone, piece by piece (reference schedule)", steppedSeconds, seconds);
        Console.WriteLine($"  arithmetic: vq02 encoder {vq02Flops / 1e9:0.0} GFLOP (reference schedule) at {encoderGflops:0.0} GFLOP/s"
            + (stepped ? $" (piece by piece {vq02Flops / steppedSeconds / 1e9:0.0})" : "")
            + $"; vq06 {vq06Flops / 1e9:0.0} GFLOP ({vq06Shape.State} wide, {vq06Shape.Layers} layers) at {vq06Gflops:0.0} GFLOP/s");
        Console.WriteLine($"  the encoder's own products alone (1 024-row window: q/k/v, output, feed-forward) in {models.Vq02.Lanes} lane(s): {gemmGflops:0.0} GFLOP/s; "
            + $"the encoder runs at {100 * encoderGflops / gemmGflops:0}% of them");
        Console.WriteLine($"  limit: 2048² fp32 matmul {matmulGflops:0.0} GFLOP/s on {threads} thread(s) (just before and after the best run: {matmul.Before:0.0}, {matmul.After:0.0}) → all that arithmetic in {limitSeconds:0.00} s = {seconds / limitSeconds:0.00}x realtime; "
            + $"the tokenizer runs at {100 * limitSeconds / whole:0}% of it");
        Console.WriteLine($"  peak working set {peak:0} MB");
        Console.WriteLine($"vq02_xrt={seconds / vq02Seconds:0.00} vq06_xrt={seconds / shares.Vq06:0.00} tokenizer_xrt={seconds / whole:0.00} "
            + $"frontend_xrt={seconds / (shares.Pre + shares.Front):0.0} encoder_gflops={encoderGflops:0.0} vq06_gflops={vq06Gflops:0.0} matmul_gflops={matmulGflops:0.0} "
            + (stepped ? $"stepped_encoder_gflops={vq02Flops / steppedSeconds / 1e9:0.0} " : "")
            + $"encoder_gemm_gflops={gemmGflops:0.0} encoder_pct_of_gemm={100 * encoderGflops / gemmGflops:0} torch_ops_encoder_gflops={vq02Flops / torchOpsSeconds / 1e9:0.0} wide_encoder_gflops={vq02Flops / wide / 1e9:0.0} peak_ws_mb={peak:0} threads={threads} onnx_threads={onnxThreads} vq06_lanes={models.Vq06.Lanes} seconds={seconds:0} "
            + $"limit_xrt={seconds / limitSeconds:0.00} tokenizer_pct_of_limit={100 * limitSeconds / whole:0}");
        return 0;
    }

    /// <summary>The benchmark's clip: <paramref name="seconds"/> of 48 kHz stereo speech-like audio, read as the worker reads a WAV.</summary>
    public static DecodedAudio SpeechLikeClip(double seconds)
    {
        string wav = Path.Combine(Path.GetTempPath(), "speechpairs-bench", $"speechlike-{seconds}s-48k-stereo.wav");
        SpeechLikeAudio.WriteWav16(wav, SpeechLikeAudio.Generate(seconds, 48000, 2, seed: 1), 48000);
        return WavReader.Read(wav);
    }

    /// <summary>Warm-up on a short clip: JIT, torch and ONNX kernels, allocator.</summary>
    public static void WarmUp(Vq0206Tokenizer tokenizer, DecodedAudio clip)
        => tokenizer.Tokenize(clip with { Samples = clip.Samples[..Math.Min(clip.Samples.Length, 48000 * 5)] });

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
        => Console.WriteLine($"  {stage,-78} {s,8:0.000} s  {audioSeconds / s,8:0.00}x realtime");

    private static void Share(string stage, double s, double whole)
        => Console.WriteLine($"    {stage,-76} {s,8:0.000} s  {100 * s / whole,6:0.0}%");
}
