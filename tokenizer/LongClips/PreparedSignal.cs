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
    private float[] _input = [];   // the file's samples a block reads, reused: the passes leave no garbage per block

    private PreparedSignal(WavFile file, SincResampler resampler, bool trim)
    {
        _file = file;
        _resampler = resampler;
        _resampledLength = resampler.OutputLength(file.Info.Frames);
        float peak = 0f;
        var block = new float[BlockSamples];
        for (long s = 0; s < _resampledLength; s += BlockSamples)
        {
            var samples = block.AsSpan(0, (int)Math.Min(BlockSamples, _resampledLength - s));
            Resampled(s, samples);
            peak = EnergyNormalizer.Peak(peak, samples);
        }
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
        var block = new float[BlockSamples];
        for (long s = 0; s < Length; s += BlockSamples)
        {
            var samples = block.AsSpan(0, (int)Math.Min(BlockSamples, Length - s));
            Read(s, samples);
            hash = OnlineFrontend.SampleHash(hash, samples);
        }
        return OnlineFrontend.SampleHashEnd(hash, Length);
    }

    /// <summary>Prepared samples [<paramref name="start"/>, + <paramref name="count"/>): zeros where the trim pads.</summary>
    public float[] Read(long start, int count)
    {
        var result = new float[count];
        Read(start, result);
        return result;
    }

    private void Read(long start, Span<float> result)
    {
        result.Clear();
        long from = Math.Max(_keptStart + start, 0), to = Math.Min(_keptStart + start + result.Length, _resampledLength);
        if (to > from) Normalised(from, result.Slice((int)(from - _keptStart - start), (int)(to - from)));
    }

    private void Normalised(long start, Span<float> samples)
    {
        Resampled(start, samples);
        EnergyNormalizer.Apply(samples, _divisor, samples);
    }

    private void Resampled(long start, Span<float> output)
    {
        var (inStart, inEnd) = _resampler.InputSpan(start, output.Length, _file.Info.Frames);
        if (_input.Length < inEnd - inStart) _input = new float[inEnd - inStart];
        var input = _input.AsSpan(0, (int)(inEnd - inStart));
        _file.ReadMono(inStart, input);
        _resampler.Resample(input, inStart, _file.Info.Frames, start, output);
    }

    // SilenceTrimmer.Trim over the whole normalised clip, one block of RMS frames at a time.
    private (long Start, long Length) KeptByTrim()
    {
        var meanSquares = new double[SilenceTrimmer.FrameCount(_resampledLength)];
        int framesPerBlock = BlockSamples / SilenceTrimmer.FrameHop;
        var block = new float[BlockSamples + 2 * SilenceTrimmer.FrameReach];
        for (int f = 0; f < meanSquares.Length; f += framesPerBlock)
        {
            int count = Math.Min(framesPerBlock, meanSquares.Length - f);
            long from = Math.Max(0, (long)f * SilenceTrimmer.FrameHop - SilenceTrimmer.FrameReach);
            long to = Math.Min(_resampledLength, (long)(f + count - 1) * SilenceTrimmer.FrameHop + SilenceTrimmer.FrameReach);
            var samples = block.AsSpan(0, (int)(to - from));
            Normalised(from, samples);
            SilenceTrimmer.MeanSquares(samples, from, _resampledLength, f, meanSquares.AsSpan(f, count));
        }
        var (start, end) = SilenceTrimmer.VoicedInterval(meanSquares, _resampledLength);
        return SilenceTrimmer.KeptSpan(start, end, Vq0206Tokenizer.SampleRate);
    }
}
