namespace SpeechPairs.Tokenizer.Features;

/// <summary>
/// The vq02 front end: FunASR's <c>WavFrontendOnline</c> as the reference drives it (samples ×32768, Kaldi
/// fbank, streaming LFR, CMVN), computed for a whole clip at once.
/// </summary>
public sealed class OnlineFrontend
{
    private readonly KaldiFbank _fbank;
    private readonly CmvnStats _cmvn;
    private readonly int _lfrM;
    private readonly int _lfrN;

    public OnlineFrontend(CmvnStats cmvn, int numMelBins = 80, int lfrM = 7, int lfrN = 6)
    {
        if (cmvn.Dim < numMelBins * lfrM)
            throw new ArgumentException($"CMVN has {cmvn.Dim} values but the features are {numMelBins}×{lfrM} = {numMelBins * lfrM} wide", nameof(cmvn));
        _fbank = new KaldiFbank(numMelBins);
        _cmvn = cmvn;
        _lfrM = lfrM;
        _lfrN = lfrN;
    }

    public int FeatureDim => _fbank.NumMelBins * _lfrM;

    /// <summary>Features of a 16 kHz, energy-normalised clip. Non-zero <paramref name="dither"/> is seeded from the samples.</summary>
    public Vq02Features Extract(ReadOnlySpan<float> normed16k, float dither = 0f)
    {
        var plan = StreamingFeaturePlan.For(normed16k.Length, _lfrM, _lfrN);
        var scaled = new float[plan.FbankFrames == 0 ? 0 : KaldiFbank.WindowSize + (plan.FbankFrames - 1) * KaldiFbank.WindowShift];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = normed16k[i] * 32768f;
        ulong seed = dither != 0f ? SampleHashEnd(SampleHash(SampleHashStart, normed16k), normed16k.Length) : 0;
        float[] fbank = _fbank.Compute(scaled, plan.FbankFrames, dither, seed);
        var data = Stack(plan.Pieces, fbank, 0);
        return new Vq02Features(data, FeatureDim, plan.Pieces.Select(p => p.Length).ToArray(), plan.SkippedTailSamples);
    }

    /// <summary>
    /// Features of consecutive pieces of a long clip's plan (<see cref="StreamingFeaturePlan.Walk"/>), from the clip's
    /// samples <paramref name="normed16k"/> that start at sample <paramref name="samplesStart"/> (at least
    /// <see cref="SampleSpan"/>). Every row is the one <see cref="Extract"/> gives the whole clip.
    /// <paramref name="firstFrame"/> is the clip's index of the part's first LFR frame, <paramref name="preceding"/> the
    /// clip's 5 LFR frames before it (null for the clip's first part), <paramref name="ditherSeed"/> the whole clip's
    /// <see cref="SampleHash"/> when dithering.
    /// </summary>
    public Vq02Features ExtractPart(IReadOnlyList<int[][]> pieces, ReadOnlySpan<float> normed16k, long samplesStart, int firstFrame,
        float[]? preceding, float dither = 0f, ulong ditherSeed = 0)
    {
        var (first, last) = FbankFrames(pieces);
        int frames = last - first + 1;
        var scaled = new float[KaldiFbank.WindowSize + (frames - 1) * KaldiFbank.WindowShift];
        var source = normed16k.Slice((int)((long)first * KaldiFbank.WindowShift - samplesStart), scaled.Length);
        for (int i = 0; i < scaled.Length; i++) scaled[i] = source[i] * 32768f;
        float[] fbank = _fbank.Compute(scaled, frames, dither, ditherSeed, first);
        return new Vq02Features(Stack(pieces, fbank, first), FeatureDim, pieces.Select(p => p.Length).ToArray(), null)
        {
            FirstFrame = firstFrame,
            Preceding = preceding,
        };
    }

    /// <summary>The clip's samples [Start, End) that the fbank frames of <paramref name="pieces"/> read.</summary>
    public static (long Start, long End) SampleSpan(IReadOnlyList<int[][]> pieces)
    {
        var (first, last) = FbankFrames(pieces);
        return ((long)first * KaldiFbank.WindowShift, (long)last * KaldiFbank.WindowShift + KaldiFbank.WindowSize);
    }

    private static (int First, int Last) FbankFrames(IReadOnlyList<int[][]> pieces) =>
        (pieces.Min(p => p.Min(f => f.Min())), pieces.Max(p => p.Max(f => f.Max())));

    // LFR-stacks and normalises the pieces' frames, given the fbank rows from frame `firstFbank` on.
    private float[] Stack(IEnumerable<int[][]> pieces, float[] fbank, int firstFbank)
    {
        int bins = _fbank.NumMelBins, dim = FeatureDim;
        var data = new float[pieces.Sum(p => p.Length) * dim];
        int row = 0;
        foreach (var piece in pieces)
        {
            foreach (var stacked in piece)
            {
                var dst = data.AsSpan(row * dim, dim);
                for (int k = 0; k < stacked.Length; k++)
                    fbank.AsSpan((stacked[k] - firstFbank) * bins, bins).CopyTo(dst.Slice(k * bins, bins));
                _cmvn.Apply(dst);
                row++;
            }
        }
        return data;
    }

    /// <summary>
    /// FNV-1a over the sample bits, fed block by block from <see cref="SampleHashStart"/> and ended by
    /// <see cref="SampleHashEnd"/>: the same clip always gets the same dither noise.
    /// </summary>
    public static ulong SampleHash(ulong hash, ReadOnlySpan<float> samples)
    {
        foreach (float v in samples)
        {
            hash ^= (uint)BitConverter.SingleToInt32Bits(v);
            hash *= 1099511628211UL;
        }
        return hash;
    }

    public const ulong SampleHashStart = 14695981039346656037UL;

    public static ulong SampleHashEnd(ulong hash, long samples) => hash ^ (ulong)samples;
}
