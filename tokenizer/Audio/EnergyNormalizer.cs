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
        float divisor = Divisor(Peak(0f, x));
        var y = new float[x.Length];
        Apply(x, divisor, y);
        return y;
    }

    /// <summary>The peak of <paramref name="peak"/>'s samples and <paramref name="x"/>: fed block by block, it ends where one pass over the whole clip ends.</summary>
    public static float Peak(float peak, ReadOnlySpan<float> x)
    {
        foreach (float v in x)
        {
            float a = MathF.Abs(v);
            if (a > peak || float.IsNaN(a)) peak = a;
        }
        return peak;
    }

    /// <summary>What every sample is divided by, given the clip's peak.</summary>
    public static float Divisor(float peak) => peak > 0.01f ? peak : 0.01f;

    /// <summary>Normalises <paramref name="x"/> into <paramref name="y"/> (which may be the same memory).</summary>
    public static void Apply(ReadOnlySpan<float> x, float divisor, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] / divisor * 0.999f;
    }
}
