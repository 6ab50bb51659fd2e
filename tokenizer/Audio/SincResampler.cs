using System.Numerics;

namespace SpeechPairs.Tokenizer.Audio;

/// <summary>
/// Resampling equal to torchaudio's default <c>Resample</c> (what the reference uses): Hann-windowed sinc,
/// lowpass_filter_width 6, rolloff 0.99, rates reduced by their gcd, a polyphase kernel applied as a
/// strided convolution, output length ceil(n·new/orig). Works for up- and downsampling alike.
/// </summary>
/// <remarks>
/// The kernel is built exactly as torchaudio builds it (float64, with its one float32 step in the phase
/// offsets, then rounded to float32). Taps that round to exactly 0 in float32 (the clamped window tails,
/// most of a 441:160 kernel) are skipped, which cannot change a sum. Sums run in float64 and are rounded
/// once; torch's float32 convolution differs from that by a few ulps.
/// </remarks>
public sealed class SincResampler
{
    private const int LowpassFilterWidth = 6;
    private const double Rolloff = 0.99;

    private readonly int _orig;   // gcd-reduced input rate
    private readonly int _new;    // gcd-reduced output rate
    private readonly int _width;  // left padding in input samples
    private readonly float[][] _phaseTaps; // per output phase: the non-zero taps
    private readonly int[] _phaseFirstTap; // per output phase: offset of the first non-zero tap

    public SincResampler(int fromRate, int toRate)
    {
        if (fromRate <= 0 || toRate <= 0) throw new ArgumentOutOfRangeException(nameof(fromRate), "sample rates must be positive");
        FromRate = fromRate;
        ToRate = toRate;
        int gcd = Gcd(fromRate, toRate);
        _orig = fromRate / gcd;
        _new = toRate / gcd;

        double baseFreq = Math.Min(_orig, _new) * Rolloff;
        _width = (int)Math.Ceiling(LowpassFilterWidth * _orig / baseFreq);
        int taps = 2 * _width + _orig;
        double scale = baseFreq / _orig;
        _phaseTaps = new float[_new][];
        _phaseFirstTap = new int[_new];
        var kernel = new float[taps];
        for (int phase = 0; phase < _new; phase++)
        {
            // torchaudio: arange(0, -new, -1) / new is an int64 tensor divided in float32, then promoted to float64.
            double phaseOffset = (float)(-phase) / (float)_new;
            for (int k = 0; k < taps; k++)
            {
                double idx = (double)(k - _width) / _orig;
                double t = (phaseOffset + idx) * baseFreq;
                t = Math.Clamp(t, -LowpassFilterWidth, LowpassFilterWidth);
                double window = Math.Cos(t * Math.PI / LowpassFilterWidth / 2);
                window *= window;
                t *= Math.PI;
                double sinc = t == 0 ? 1.0 : Math.Sin(t) / t;
                kernel[k] = (float)(sinc * (window * scale));
            }
            int first = Array.FindIndex(kernel, v => v != 0f);
            int last = Array.FindLastIndex(kernel, v => v != 0f);
            _phaseFirstTap[phase] = Math.Max(first, 0);
            _phaseTaps[phase] = first < 0 ? [] : kernel[first..(last + 1)];
        }
    }

    public int FromRate { get; }

    public int ToRate { get; }

    /// <summary>Output length for <paramref name="inputLength"/> samples: ceil(n·new/orig).</summary>
    public long OutputLength(long inputLength) => (inputLength * _new + _orig - 1) / _orig;

    /// <summary>Resamples; returns the input itself when the rates are equal (torchaudio's identity).</summary>
    public float[] Resample(float[] input)
    {
        if (FromRate == ToRate) return input;
        int outLength = checked((int)OutputLength(input.Length));
        var output = new float[outLength];
        ReadOnlySpan<float> x = input;
        for (int o = 0; o < outLength; o++)
        {
            int frame = o / _new, phase = o % _new;
            float[] taps = _phaseTaps[phase];
            // Position of tap 0 in the unpadded input (the padding is zeros).
            int start = frame * _orig - _width + _phaseFirstTap[phase];
            int lo = Math.Max(0, -start);
            int hi = Math.Min(taps.Length, x.Length - start);
            output[o] = hi > lo ? (float)Dot(taps.AsSpan(lo, hi - lo), x.Slice(start + lo, hi - lo)) : 0f;
        }
        return output;
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        // float64 accumulation: exact products of float32 values, one rounding at the end.
        var acc = Vector<double>.Zero;
        int i = 0;
        int step = Vector<float>.Count;
        for (; i <= a.Length - step; i += step)
        {
            var va = new Vector<float>(a.Slice(i));
            var vb = new Vector<float>(b.Slice(i));
            Vector.Widen(va, out var alo, out var ahi);
            Vector.Widen(vb, out var blo, out var bhi);
            acc += alo * blo + ahi * bhi;
        }
        double sum = Vector.Sum(acc);
        for (; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
