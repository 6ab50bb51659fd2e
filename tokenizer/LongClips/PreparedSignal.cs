using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tokenizer.LongClips;

/// <summary>
/// The reference's <c>preprocess_wav</c> of a clip too long to hold whole: resampled to 16 kHz, energy-normalised and
/// optionally trimmed, read a range at a time from the WAV file. Each range holds exactly the samples that
/// <see cref="Vq0206Tokenizer.Preprocess"/> gives for the whole clip.
/// </summary>
/// <remarks>
/// The normalisation divides by the peak of the whole resampled clip, the trim needs the loudest frame of the whole
/// normalised clip and the dither seed hashes the whole prepared clip, so each of those is one pass over the file
/// before the ranges are read (the trim and the hash only when used). A pass decodes and resamples a block at a time.
/// </remarks>
internal sealed class PreparedSignal
{
    /// <summary>Resampled samples one block of a pass takes.</summary>
    private const int BlockSamples = 60 * Vq0206Tokenizer.SampleRate;

    private readonly WavFile _file;
    private readonly SincResampler _resampler;
    private readonly long _resampledLength;
    private readonly float _divisor;
    private readonly long _keptStart;

    private PreparedSignal(WavFile file, SincResampler resampler, bool trim)
    {
        _file = file;
        _resampler = resampler;
        _resampledLength = resampler.OutputLength(file.Info.Frames);
        float peak = 0f;
        for (long s = 0; s < _resampledLength; s += BlockSamples)
            peak = EnergyNormalizer.Peak(peak, Resampled(s, (int)Math.Min(BlockSamples, _resampledLength - s)));
        _divisor = EnergyNormalizer.Divisor(peak);
        Length = _resampledLength;
        if (trim) (_keptStart, Length) = KeptByTrim();
    }

    /// <summary>Prepared samples at 16 kHz.</summary>
    public long Length { get; }

    /// <summary>Reads the file's header-checked samples through the passes the settings need.</summary>
    /// <exception cref="AudioFormatException">The file cannot be read, or holds NaN/Inf.</exception>
    public static PreparedSignal Prepare(WavFile file, SincResampler resampler, bool trim) => new(file, resampler, trim);

    /// <summary>The dither seed <see cref="OnlineFrontend.Extract"/> takes from the whole prepared clip.</summary>
    public ulong DitherSeed()
    {
        ulong hash = OnlineFrontend.SampleHashStart;
        for (long s = 0; s < Length; s += BlockSamples)
            hash = OnlineFrontend.SampleHash(hash, Read(s, (int)Math.Min(BlockSamples, Length - s)));
        return OnlineFrontend.SampleHashEnd(hash, Length);
    }

    /// <summary>Prepared samples [<paramref name="start"/>, + <paramref name="count"/>): zeros where the trim pads.</summary>
    public float[] Read(long start, int count)
    {
        var result = new float[count];
        long from = Math.Max(_keptStart + start, 0), to = Math.Min(_keptStart + start + count, _resampledLength);
        if (to > from)
        {
            var normed = Normalised(from, (int)(to - from));
            normed.CopyTo(result.AsSpan((int)(from - _keptStart - start)));
        }
        return result;
    }

    private float[] Normalised(long start, int count)
    {
        var samples = Resampled(start, count);
        EnergyNormalizer.Apply(samples, _divisor, samples);
        return samples;
    }

    private float[] Resampled(long start, int count)
    {
        var (inStart, inEnd) = _resampler.InputSpan(start, count, _file.Info.Frames);
        var input = new float[inEnd - inStart];
        _file.ReadMono(inStart, input);
        var output = new float[count];
        _resampler.Resample(input, inStart, _file.Info.Frames, start, output);
        return output;
    }

    // SilenceTrimmer.Trim over the whole normalised clip, one block of RMS frames at a time.
    private (long Start, long Length) KeptByTrim()
    {
        var meanSquares = new double[SilenceTrimmer.FrameCount(_resampledLength)];
        int framesPerBlock = BlockSamples / SilenceTrimmer.FrameHop;
        for (int f = 0; f < meanSquares.Length; f += framesPerBlock)
        {
            int count = Math.Min(framesPerBlock, meanSquares.Length - f);
            long from = Math.Max(0, (long)f * SilenceTrimmer.FrameHop - SilenceTrimmer.FrameReach);
            long to = Math.Min(_resampledLength, (long)(f + count - 1) * SilenceTrimmer.FrameHop + SilenceTrimmer.FrameReach);
            SilenceTrimmer.MeanSquares(Normalised(from, (int)(to - from)), from, _resampledLength, f, meanSquares.AsSpan(f, count));
        }
        var (start, end) = SilenceTrimmer.VoicedInterval(meanSquares, _resampledLength);
        return SilenceTrimmer.KeptSpan(start, end, Vq0206Tokenizer.SampleRate);
    }
}
