namespace SpeechPairs.Tokenizer.Audio;

/// <summary>
/// The reference's optional <c>trim_silence</c>: librosa 0.10 <c>effects.trim(top_db=20, frame_length=512,
/// hop_length=128)</c> (centred RMS frames with zero padding, dB relative to the loudest frame, a frame is
/// voiced when its level is above −20 dB), then keep 0.05 s before and 0.22 s after the voiced span, with the
/// voiced span rounded up to whole 240-sample units and zero padding where the clip is too short.
/// </summary>
public static class SilenceTrimmer
{
    private const int FrameLength = 512;
    private const int HopLength = 128;
    private const double TopDb = 20;
    private const int HopSize = 240;
    private const double KeepLeftSeconds = 0.05;
    private const double KeepRightSeconds = 0.22;

    /// <summary>librosa's voiced interval [start, end) in samples; (0, 0) when every frame is silent.</summary>
    public static (int Start, int End) VoicedInterval(ReadOnlySpan<float> y)
    {
        int frames = 1 + y.Length / HopLength;
        var meanSquare = new double[frames];
        double loudest = 0;
        for (int f = 0; f < frames; f++)
        {
            // Frame f covers padded[f*hop, f*hop+512) with 256 zeros of padding on each side.
            int start = f * HopLength - FrameLength / 2;
            int lo = Math.Max(0, start), hi = Math.Min(y.Length, start + FrameLength);
            double sum = 0;
            for (int i = lo; i < hi; i++) sum += (double)y[i] * y[i];
            meanSquare[f] = sum / FrameLength;
            loudest = Math.Max(loudest, meanSquare[f]);
        }

        // amplitude_to_db(rms, ref=max, amin=1e-5): 10·log10(max(amin², rms²)) − 10·log10(max(amin², max_rms²)).
        const double amin2 = 1e-10;
        double refDb = 10 * Math.Log10(Math.Max(amin2, loudest));
        int first = -1, last = -1;
        for (int f = 0; f < frames; f++)
        {
            double db = 10 * Math.Log10(Math.Max(amin2, meanSquare[f])) - refDb;
            if (db > -TopDb)
            {
                if (first < 0) first = f;
                last = f;
            }
        }
        if (first < 0) return (0, 0);
        return (first * HopLength, Math.Min(y.Length, (last + 1) * HopLength));
    }

    /// <summary>Applies the reference's trim to 16 kHz (or <paramref name="sampleRate"/>) audio.</summary>
    public static float[] Trim(ReadOnlySpan<float> audio, int sampleRate)
    {
        var (start, end) = VoicedInterval(audio);
        int numFrames = (int)Math.Ceiling((end - start) / (double)HopSize);
        int leftKeep = (int)(KeepLeftSeconds * sampleRate);
        int outLength = (int)(numFrames * HopSize + (KeepLeftSeconds + KeepRightSeconds) * sampleRate);

        // Start keepLeft samples before the voiced span, padding zeros on the left when that is before 0.
        int startIdx = start - leftKeep;
        var result = new float[outLength];
        int dst = startIdx < 0 ? -startIdx : 0;
        int src = Math.Max(startIdx, 0);
        int count = Math.Max(0, Math.Min(audio.Length - src, outLength - dst));
        audio.Slice(src, count).CopyTo(result.AsSpan(dst, count));
        return result;
    }
}
