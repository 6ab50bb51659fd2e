namespace SpeechPairs.Bench;

/// <summary>
/// Floating-point operations of one S3TokenizerV1 (25 Hz) forward pass over a chunk of log-mel frames, counted from
/// the architecture: two stride-2 convolutions (kernel 3), then per layer the q/k/v/out projections, attention over
/// the whole chunk and the 4× MLP, then the nearest of the codewords. Multiply-adds count as 2.
/// </summary>
public sealed record Vq06Flops(int MelBins, int State, int Layers, int Codes)
{
    /// <summary>The shape of CosyVoice's real <c>speech_tokenizer_v1.onnx</c> (and of the full-size stand-in built for --onnx).</summary>
    public static readonly Vq06Flops FullSize = new(128, 1280, 6, 4096);

    /// <summary>The fixture's tiny stand-in (same architecture, 64 wide, 2 layers).</summary>
    public static readonly Vq06Flops Tiny = new(128, 64, 2, 4096);

    public double Count(int melFrames)
    {
        double t1 = (melFrames - 1) / 2 + 1, t2 = (t1 - 1) / 2 + 1;
        double total = 2.0 * t1 * State * MelBins * 3 + 2.0 * t2 * State * State * 3;
        total += Layers * (2.0 * 4 * t2 * State * State + 2.0 * 2 * t2 * t2 * State + 2.0 * 2 * t2 * State * 4 * State);
        return total + 2.0 * t2 * State * Codes;
    }
}
