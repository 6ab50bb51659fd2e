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
        int bins = _fbank.NumMelBins, dim = FeatureDim;

        var scaled = new float[plan.FbankFrames == 0 ? 0 : KaldiFbank.WindowSize + (plan.FbankFrames - 1) * KaldiFbank.WindowShift];
        for (int i = 0; i < scaled.Length; i++) scaled[i] = normed16k[i] * 32768f;
        ulong seed = dither != 0f ? SampleHash(normed16k) : 0;
        float[] fbank = _fbank.Compute(scaled, plan.FbankFrames, dither, seed);

        var data = new float[plan.LfrFrameCount * dim];
        int row = 0;
        foreach (var piece in plan.Pieces)
        {
            foreach (var stacked in piece)
            {
                var dst = data.AsSpan(row * dim, dim);
                for (int k = 0; k < stacked.Length; k++)
                    fbank.AsSpan(stacked[k] * bins, bins).CopyTo(dst.Slice(k * bins, bins));
                _cmvn.Apply(dst);
                row++;
            }
        }
        return new Vq02Features(data, dim, plan.Pieces.Select(p => p.Length).ToArray(), plan.SkippedTailSamples);
    }

    // FNV-1a over the sample bits: the same clip always gets the same dither noise.
    private static ulong SampleHash(ReadOnlySpan<float> samples)
    {
        ulong hash = 14695981039346656037UL;
        foreach (float v in samples)
        {
            hash ^= (uint)BitConverter.SingleToInt32Bits(v);
            hash *= 1099511628211UL;
        }
        return hash ^ (ulong)samples.Length;
    }
}
