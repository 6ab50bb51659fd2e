namespace SpeechPairs.Tokenizer.Audio;

/// <summary>
/// The reference's <c>energy_norm_fn</c>: x / max(max|x|, 0.01) · 0.999, in float32 exactly as torch computes it
/// (one float32 division, then one float32 multiplication).
/// </summary>
public static class EnergyNormalizer
{
    public static float[] Normalize(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) throw new ArgumentException("energy normalisation needs at least one sample (the reference raises on empty audio)", nameof(x));
        float peak = 0f;
        foreach (float v in x)
        {
            float a = MathF.Abs(v);
            if (a > peak || float.IsNaN(a)) peak = a;
        }
        float divisor = peak > 0.01f ? peak : 0.01f;
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] / divisor * 0.999f;
        return y;
    }
}
