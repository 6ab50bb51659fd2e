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
/// <para>
/// Building the kernel costs one sin/cos per tap of new × (orig + 2·width) (rates reduced by their gcd),
/// about 20 ns each, and torchaudio would hold it whole in float64. Real rates reduce well (44100→16000 is
/// 441:160, 76 000 taps; 11025 is the largest real one at 291 200), but a rate that shares almost no factor with
/// the target does not: 767999 Hz is 12.3 billion taps (263 s here, 98 GB in torchaudio). So rate pairs over
/// <see cref="MaxKernelTaps"/> are refused; see <see cref="RefusalReason"/>.
/// </para>
/// </remarks>
public sealed class SincResampler
{
    private const int LowpassFilterWidth = 6;
    private const double Rolloff = 0.99;

    /// <summary>
    /// The largest kernel built: 2^25 taps, well under a second to build (torchaudio: 256 MiB of float64). Every
    /// standard rate from 8 kHz to 768 kHz, and odd real ones (37800, 47250, 44056, 47952, 50000), needs at most
    /// 11 million taps to 16 kHz; only rates sharing almost no factor with the target come near the limit.
    /// </summary>
    public const long MaxKernelTaps = 1L << 25;

    private readonly int _orig;   // gcd-reduced input rate
    private readonly int _new;    // gcd-reduced output rate
    private readonly int _width;  // left padding in input samples
    private readonly float[][] _phaseTaps; // per output phase: the non-zero taps
    private readonly int[] _phaseFirstTap; // per output phase: offset of the first non-zero tap

    /// <exception cref="ArgumentException">A rate is not positive, or the pair's kernel exceeds <see cref="MaxKernelTaps"/>.</exception>
    public SincResampler(int fromRate, int toRate)
    {
        if (RefusalReason(fromRate, toRate) is { } reason) throw new ArgumentException(reason);
        FromRate = fromRate;
        ToRate = toRate;
        (_orig, _new, _width) = Reduce(fromRate, toRate);
        int taps = 2 * _width + _orig;
        double baseFreq = Math.Min(_orig, _new) * Rolloff;
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

    /// <summary>Taps in the kernel for this rate pair: output phases × taps per phase, rates reduced by their gcd.</summary>
    public static long KernelTaps(int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toRate);
        var (orig, @new, width) = Reduce(fromRate, toRate);
        return (long)@new * (orig + 2L * width);
    }

    /// <summary>Why this rate pair is not resampled (not positive, or a kernel over <see cref="MaxKernelTaps"/>); null when it is.</summary>
    public static string? RefusalReason(int fromRate, int toRate)
    {
        if (fromRate <= 0 || toRate <= 0) return $"sample rates must be positive (got {fromRate} and {toRate} Hz)";
        long taps = KernelTaps(fromRate, toRate);
        if (taps <= MaxKernelTaps) return null;
        var (orig, @new, _) = Reduce(fromRate, toRate);
        return $"sample rate {fromRate} Hz is not supported: resampling it to {toRate} Hz ({orig}:{@new} after their gcd) " +
               $"needs a {taps}-tap kernel, more than the {MaxKernelTaps} allowed";
    }

    public int FromRate { get; }

    public int ToRate { get; }

    /// <summary>Output length for <paramref name="inputLength"/> samples: ceil(n·new/orig).</summary>
    public long OutputLength(long inputLength) => (inputLength * _new + _orig - 1) / _orig;

    /// <summary>Resamples; returns the input itself when the rates are equal (torchaudio's identity).</summary>
    public float[] Resample(float[] input)
    {
        if (FromRate == ToRate) return input;
        var output = new float[checked((int)OutputLength(input.Length))];
        Resample(input, 0, input.Length, 0, output);
        return output;
    }

    /// <summary>
    /// The input samples [Start, End) that outputs [<paramref name="outStart"/>, + <paramref name="count"/>) read, of
    /// an input of <paramref name="inputLength"/> samples.
    /// </summary>
    public (long Start, long End) InputSpan(long outStart, int count, long inputLength)
    {
        if (FromRate == ToRate) return (outStart, Math.Min(inputLength, outStart + count));
        long firstFrame = outStart / _new, lastFrame = (outStart + Math.Max(count, 1) - 1) / _new;
        return (Math.Clamp(firstFrame * _orig - _width, 0, inputLength),
                Math.Clamp(lastFrame * _orig - _width + 2 * _width + _orig, 0, inputLength));
    }

    /// <summary>
    /// Outputs [<paramref name="outStart"/>, + output.Length) of resampling an input of <paramref name="inputLength"/>
    /// samples, of which <paramref name="input"/> holds those from <paramref name="inputStart"/> on (at least
    /// <see cref="InputSpan"/>). Every output is the same sum, in the same order, as a whole-input resample gives.
    /// </summary>
    public void Resample(ReadOnlySpan<float> input, long inputStart, long inputLength, long outStart, Span<float> output)
    {
        if (FromRate == ToRate)
        {
            input.Slice((int)(outStart - inputStart), output.Length).CopyTo(output);
            return;
        }
        for (int k = 0; k < output.Length; k++)
        {
            long o = outStart + k;
            long frame = o / _new;
            int phase = (int)(o % _new);
            float[] taps = _phaseTaps[phase];
            // Position of tap 0 in the unpadded input (the padding is zeros).
            long start = frame * _orig - _width + _phaseFirstTap[phase];
            int lo = (int)Math.Max(0, -start);
            int hi = (int)Math.Min(taps.Length, inputLength - start);
            output[k] = hi > lo ? (float)Dot(taps.AsSpan(lo, hi - lo), input.Slice((int)(start + lo - inputStart), hi - lo)) : 0f;
        }
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

    // torchaudio's _get_sinc_resample_kernel: gcd-reduced rates and the left padding.
    private static (int Orig, int New, int Width) Reduce(int fromRate, int toRate)
    {
        int gcd = Gcd(fromRate, toRate);
        int orig = fromRate / gcd, @new = toRate / gcd;
        double baseFreq = Math.Min(orig, @new) * Rolloff;
        return (orig, @new, (int)Math.Ceiling(LowpassFilterWidth * orig / baseFreq));
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
