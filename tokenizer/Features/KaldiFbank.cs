using TorchSharp;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Features;

/// <summary>
/// <c>torchaudio.compliance.kaldi.fbank</c> with FunASR's options: 16 kHz, 25 ms frames every 10 ms (snip
/// edges), per-frame DC removal, pre-emphasis 0.97, Hamming window, 512-point FFT, power spectrum, 80 mel bins
/// from 20 Hz to Nyquist, natural log floored at float32 epsilon, energy floor 0. Input samples are expected
/// on the ×32768 scale FunASR feeds.
/// </summary>
/// <remarks>
/// Frames are independent, so the fbank of a whole clip equals the frames FunASR's online front end computes
/// piece by piece (the fixtures confirm it bit for bit). Framing, windowing and dither run in C#; the FFT and
/// the power spectrum use torch in float64: the windowed frames are float32 exactly as in the reference, but a
/// float32 FFT other than the reference's pocketfft moves quiet mel bins by up to 2e-3 (measured on p02), while
/// float64 leaves only the reference's own rounding (≤ 8e-4 on every fixture).
/// Dither: Gaussian noise × <c>dither</c> added to every
/// frame before DC removal, from a generator seeded by the caller (the reference uses unseeded noise).
/// </remarks>
public sealed class KaldiFbank
{
    public const int SampleRate = 16000;
    public const int WindowSize = 400;   // 25 ms
    public const int WindowShift = 160;  // 10 ms
    public const int PaddedWindowSize = 512;
    private const float PreemphasisCoefficient = 0.97f;
    private const float LowFreq = 20f;

    private readonly float[] _window;
    private readonly float[] _melBanksT; // [257, numMelBins]: transposed, with the zero Nyquist row torchaudio pads in

    public KaldiFbank(int numMelBins = 80)
    {
        NumMelBins = numMelBins;
        _window = HammingWindow(WindowSize);
        _melBanksT = MelBanksTransposed(numMelBins);
    }

    public int NumMelBins { get; }

    /// <summary>Frames that fit in <paramref name="samples"/> samples with snip_edges (0 when shorter than a window).</summary>
    public static int FrameCount(long samples) => samples < WindowSize ? 0 : (int)(1 + (samples - WindowSize) / WindowShift);

    /// <summary>The first <paramref name="frames"/> fbank frames of <paramref name="scaledSamples"/>, as [frames, numMelBins].</summary>
    /// <remarks>For a part of a long clip, <paramref name="firstFrame"/> is the clip's index of the first frame: the dither noise continues the clip's from there.</remarks>
    public float[] Compute(ReadOnlySpan<float> scaledSamples, int frames, float dither = 0f, ulong ditherSeed = 0, long firstFrame = 0)
    {
        if (frames > FrameCount(scaledSamples.Length))
            throw new ArgumentOutOfRangeException(nameof(frames), $"{frames} frames need more than {scaledSamples.Length} samples");
        if (frames == 0) return [];

        // Whole-clip float64 windows and their complex spectra would be ~80 MB per minute of audio; blocks of
        // frames bound that. Each frame's arithmetic is the same in any block (the noise is drawn in frame order).
        var result = new float[frames * NumMelBins];
        var noise = dither != 0f ? GaussianNoise.After(ditherSeed, firstFrame * WindowSize) : null;
        int blocks = (frames + BlockFrames - 1) / BlockFrames;
        var windowed = new double[(frames / blocks + 1) * PaddedWindowSize]; // padding columns stay zero
        Span<float> frame = stackalloc float[WindowSize];
        for (int b = 0, first = 0; b < blocks; b++)
        {
            // Near-equal blocks, so none is a small product that BLAS would round differently.
            int count = frames / blocks + (b < frames % blocks ? 1 : 0);
            for (int r = 0; r < count; r++)
            {
                var src = scaledSamples.Slice((first + r) * WindowShift, WindowSize);
                double sum = 0;
                for (int i = 0; i < WindowSize; i++)
                {
                    float v = src[i];
                    if (noise is not null) v += noise.Next() * dither;
                    frame[i] = v;
                    sum += v;
                }
                float mean = (float)(sum / WindowSize);
                var dst = windowed.AsSpan(r * PaddedWindowSize, WindowSize);
                // DC removal, then pre-emphasis against the previous sample (the first sample against itself).
                float previous = frame[0] - mean;
                for (int i = 0; i < WindowSize; i++)
                {
                    float centred = frame[i] - mean;
                    float emphasised = centred - PreemphasisCoefficient * (i == 0 ? centred : previous);
                    previous = centred;
                    dst[i] = emphasised * _window[i];
                }
            }

            using var scope = NewDisposeScope();
            var input = from_array(windowed).reshape(-1, PaddedWindowSize).narrow(0, 0, count);
            // Power in float64, then the (all-positive, cancellation-free) mel sums in float32 as torchaudio does.
            var power = fft.rfft(input).abs().pow(2.0).to(float32);
            var banks = from_array(_melBanksT).reshape(PaddedWindowSize / 2 + 1, NumMelBins);
            var energies = power.mm(banks).clamp_min(FloatEpsilon).log();
            energies.ToFloatArray().CopyTo(result.AsSpan(first * NumMelBins));
            first += count;
        }
        return result;
    }

    /// <summary>Most frames transformed at once (20 s of audio); internal so tests can make short clips span blocks.</summary>
    internal int BlockFrames { get; init; } = 2000;

    // torch.finfo(torch.float32).eps, torchaudio's log floor.
    private const float FloatEpsilon = 1.1920928955078125e-07f;

    // torch.hamming_window(n, periodic=False, alpha=0.54, beta=0.46), in float32 like torch.
    private static float[] HammingWindow(int n)
    {
        var w = new float[n];
        float step = (float)(2 * Math.PI / (n - 1));
        for (int i = 0; i < n; i++) w[i] = 0.54f - 0.46f * MathF.Cos(i * step);
        return w;
    }

    // torchaudio's get_mel_banks (no VTLN) in its float32 arithmetic, transposed to [bins+1, mel] with a zero Nyquist row.
    private static float[] MelBanksTransposed(int numBins)
    {
        const int numFftBins = PaddedWindowSize / 2;
        double nyquist = 0.5 * SampleRate;
        double highFreq = nyquist;
        float fftBinWidth = (float)SampleRate / PaddedWindowSize;
        double melLow = MelScale(LowFreq), melHigh = MelScale(highFreq);
        float delta = (float)((melHigh - melLow) / (numBins + 1));
        float low = (float)melLow;

        var banksT = new float[(numFftBins + 1) * numBins];
        for (int m = 0; m < numBins; m++)
        {
            float left = m * delta + low;
            float centre = (m + 1.0f) * delta + low;
            float right = (m + 2.0f) * delta + low;
            for (int k = 0; k < numFftBins; k++)
            {
                float mel = 1127.0f * MathF.Log(1.0f + fftBinWidth * k / 700.0f);
                float up = (mel - left) / (centre - left);
                float down = (right - mel) / (right - centre);
                banksT[k * numBins + m] = Math.Max(0f, Math.Min(up, down));
            }
        }
        return banksT;
    }

    private static double MelScale(double freq) => 1127.0 * Math.Log(1.0 + freq / 700.0);
}
