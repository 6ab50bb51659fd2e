namespace SpeechPairs.Tokenizer.Features;

/// <summary>
/// Standard normal float32 noise for fbank dither from a fixed, portable generator (SplitMix64 + Box–Muller
/// in float64), so that a seeded dither gives the same features on every machine and .NET version.
/// </summary>
internal sealed class GaussianNoise(ulong seed)
{
    private ulong _state = seed;
    private float? _spare;

    /// <summary>The generator after <paramref name="draws"/> (even) values: where a later frame's noise starts.</summary>
    public static GaussianNoise After(ulong seed, long draws)
    {
        if (draws % 2 != 0) throw new ArgumentOutOfRangeException(nameof(draws), "values are drawn in pairs");
        // Each value takes one 64-bit step of SplitMix64, whose state only ever grows by its constant.
        return new GaussianNoise(unchecked(seed + (ulong)draws * Gamma));
    }

    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    public float Next()
    {
        if (_spare is { } spare)
        {
            _spare = null;
            return spare;
        }
        // Two uniforms in (0, 1]; the first is never 0 so the log is finite.
        double u1 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        double u2 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
        double angle = 2.0 * Math.PI * u2;
        _spare = (float)(radius * Math.Sin(angle));
        return (float)(radius * Math.Cos(angle));
    }

    private ulong NextUInt64()
    {
        ulong z = _state += Gamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
