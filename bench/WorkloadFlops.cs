using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Bench;

/// <summary>The arithmetic the reference does on a clip, from its length alone: the vq02 encoder's schedule plus vq06's chunks.</summary>
public static class WorkloadFlops
{
    /// <summary>vq02 and vq06 floating-point operations for a clip of <paramref name="samples16k"/> samples at 16 kHz.</summary>
    public static (double Vq02, double Vq06) Count(long samples16k, Vq06Flops vq06)
    {
        var plan = StreamingFeaturePlan.For(samples16k);
        var pieces = new Vq02Features([], SyntheticBundle.MelBins * SyntheticBundle.LfrM, plan.Pieces.Select(p => p.Length).ToArray(), null);
        double vq02 = EncoderFlops.Count(pieces, SyntheticBundle.Blocks, SyntheticBundle.Width, SyntheticBundle.Ffn, SyntheticBundle.Kernel,
            SyntheticBundle.MelBins * SyntheticBundle.LfrM);
        double vq06Total = Vq06Chunks.Split(checked((int)samples16k)).Sum(c => vq06.Count(WhisperLogMel.FrameCount(c.Length)));
        return (vq02, vq06Total);
    }
}
