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
        var meanSquares = new double[FrameCount(y.Length)];
        MeanSquares(y, 0, y.Length, 0, meanSquares);
        var (start, end) = VoicedInterval(meanSquares, y.Length);
        return ((int)start, (int)end);
    }

    /// <summary>RMS frames librosa computes for <paramref name="length"/> samples.</summary>
    public static int FrameCount(long length) => checked((int)(1 + length / HopLength));

    /// <summary>
    /// Mean squares of frames [<paramref name="firstFrame"/>, + <paramref name="meanSquares"/>.Length) of a clip of
    /// <paramref name="length"/> samples, of which <paramref name="y"/> holds those from <paramref name="yStart"/> on
    /// (each frame reads <see cref="FrameReach"/> samples either side of frame × hop). Each frame is the same sum as in one pass.
    /// </summary>
    public static void MeanSquares(ReadOnlySpan<float> y, long yStart, long length, long firstFrame, Span<double> meanSquares)
    {
        for (int k = 0; k < meanSquares.Length; k++)
        {
            // Frame f covers padded[f*hop, f*hop+512) with 256 zeros of padding on each side.
            long start = (firstFrame + k) * HopLength - FrameLength / 2;
            long lo = Math.Max(0, start), hi = Math.Min(length, start + FrameLength);
            double sum = 0;
            for (long i = lo; i < hi; i++) sum += (double)y[(int)(i - yStart)] * y[(int)(i - yStart)];
            meanSquares[k] = sum / FrameLength;
        }
    }

    /// <summary>Samples a frame reads on either side of its centre (frame × hop).</summary>
    public const int FrameReach = FrameLength / 2;

    /// <summary>Samples per RMS frame step.</summary>
    public const int FrameHop = HopLength;

    /// <summary>The voiced interval from every frame's mean square (see <see cref="MeanSquares"/>).</summary>
    public static (long Start, long End) VoicedInterval(ReadOnlySpan<double> meanSquares, long length)
    {
        double loudest = 0;
        foreach (double m in meanSquares) loudest = Math.Max(loudest, m);

        // amplitude_to_db(rms, ref=max, amin=1e-5): 10·log10(max(amin², rms²)) − 10·log10(max(amin², max_rms²)).
        const double amin2 = 1e-10;
        double refDb = 10 * Math.Log10(Math.Max(amin2, loudest));
        long first = -1, last = -1;
        for (int f = 0; f < meanSquares.Length; f++)
        {
            double db = 10 * Math.Log10(Math.Max(amin2, meanSquares[f])) - refDb;
            if (db > -TopDb)
            {
                if (first < 0) first = f;
                last = f;
            }
        }
        if (first < 0) return (0, 0);
        return (first * HopLength, Math.Min(length, (last + 1) * HopLength));
    }

    /// <summary>Applies the reference's trim to 16 kHz (or <paramref name="sampleRate"/>) audio.</summary>
    public static float[] Trim(ReadOnlySpan<float> audio, int sampleRate)
    {
        var (start, end) = VoicedInterval(audio);
        var (startIdx, outLength) = KeptSpan(start, end, sampleRate);
        var result = new float[outLength];
        // Start keepLeft samples before the voiced span, padding zeros on the left when that is before 0.
        int dst = startIdx < 0 ? (int)-startIdx : 0;
        int src = (int)Math.Max(startIdx, 0);
        int count = Math.Max(0, Math.Min(audio.Length - src, (int)outLength - dst));
        audio.Slice(src, count).CopyTo(result.AsSpan(dst, count));
        return result;
    }

    /// <summary>
    /// What the trim keeps of the voiced interval [start, end): the clip's samples from <c>Start</c> (negative: that many
    /// zeros first) for <c>Length</c> samples, zeros past the clip's end.
    /// </summary>
    public static (long Start, long Length) KeptSpan(long start, long end, int sampleRate)
    {
        long numFrames = (long)Math.Ceiling((end - start) / (double)HopSize);
        int leftKeep = (int)(KeepLeftSeconds * sampleRate);
        long outLength = (long)(numFrames * HopSize + (KeepLeftSeconds + KeepRightSeconds) * sampleRate);
        return (start - leftKeep, outLength);
    }
}
