namespace SpeechPairs.Tokenizer.Features;

/// <summary>
/// librosa's <c>filters.mel(sr, n_fft, n_mels)</c> with its defaults (Slaney mel scale, Slaney area
/// normalisation, float32): the filters whisper ships as <c>mel_filters.npz</c>. Derived from the definition,
/// reproducing librosa's arithmetic: triangles in float64 rounded to float32, then scaled by the float64
/// normalisation and rounded again.
/// </summary>
public static class SlaneyMelFilterBank
{
    /// <summary>Weights [nMels, nFft/2+1], row-major.</summary>
    public static float[] Create(int sampleRate, int nFft, int nMels, double fMin = 0, double? fMax = null)
    {
        double fmax = fMax ?? sampleRate / 2.0;
        int bins = 1 + nFft / 2;

        // np.fft.rfftfreq(n_fft, d=1/sr)
        double d = 1.0 / sampleRate;
        double val = 1.0 / (nFft * d);
        var fftFreqs = new double[bins];
        for (int k = 0; k < bins; k++) fftFreqs[k] = k * val;

        // mel_frequencies(n_mels + 2, fmin, fmax): np.linspace in mel, back to Hz.
        int nPoints = nMels + 2;
        double melMin = HzToMel(fMin), melMax = HzToMel(fmax);
        double step = (melMax - melMin) / (nPoints - 1);
        var melF = new double[nPoints];
        for (int i = 0; i < nPoints; i++) melF[i] = MelToHz(i == nPoints - 1 ? melMax : i * step + melMin);

        var weights = new float[nMels * bins];
        for (int m = 0; m < nMels; m++)
        {
            double fdiffLower = melF[m + 1] - melF[m];
            double fdiffUpper = melF[m + 2] - melF[m + 1];
            double enorm = 2.0 / (melF[m + 2] - melF[m]);
            for (int k = 0; k < bins; k++)
            {
                double lower = -(melF[m] - fftFreqs[k]) / fdiffLower;
                double upper = (melF[m + 2] - fftFreqs[k]) / fdiffUpper;
                float triangle = (float)Math.Max(0.0, Math.Min(lower, upper));
                weights[m * bins + k] = (float)(triangle * enorm);
            }
        }
        return weights;
    }

    // Slaney's scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above.
    private const double FSp = 200.0 / 3;
    private const double MinLogHz = 1000.0;
    private const double MinLogMel = MinLogHz / FSp;
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    private static double HzToMel(double hz)
        => hz >= MinLogHz ? MinLogMel + Math.Log(hz / MinLogHz) / LogStep : hz / FSp;

    private static double MelToHz(double mel)
        => mel >= MinLogMel ? MinLogHz * Math.Exp(LogStep * (mel - MinLogMel)) : FSp * mel;
}
