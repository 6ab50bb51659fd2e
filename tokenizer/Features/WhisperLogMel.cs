using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Features;

/// <summary>
/// whisper's <c>log_mel_spectrogram(audio, n_mels)</c> as the reference calls it for vq06: STFT with n_fft 400,
/// hop 160, periodic Hann window, centred with reflect padding; the last frame dropped; power spectrum; Slaney
/// mel filters; log10 floored at 1e-10; clamped below at (max − 8); then (x + 4) / 4.
/// The STFT and the products run in torch, as in whisper.
/// </summary>
public sealed class WhisperLogMel
{
    public const int NFft = 400;
    public const int HopLength = 160;

    private readonly float[] _filters; // [nMels, NFft/2+1]

    public WhisperLogMel(int nMels = 128, int sampleRate = 16000)
    {
        NMels = nMels;
        _filters = SlaneyMelFilterBank.Create(sampleRate, NFft, nMels);
    }

    public int NMels { get; }

    /// <summary>Frames produced for <paramref name="samples"/> samples (the centred STFT's 1 + n/hop, minus the dropped last).</summary>
    public static int FrameCount(int samples) => samples / HopLength;

    /// <summary>Log-mel of one chunk as [NMels, frames] row-major. Needs more than 200 samples (reflect padding).</summary>
    public float[] Compute(ReadOnlySpan<float> chunk, out int frames)
    {
        if (chunk.Length <= NFft / 2)
            throw new ArgumentException($"a {chunk.Length}-sample chunk is too short for a centred {NFft}-point STFT", nameof(chunk));
        using var scope = NewDisposeScope();
        var audio = from_array(chunk.ToArray());
        var window = hann_window(NFft);
        var spectrum = stft(audio, NFft, HopLength, window: window, return_complex: true);
        long bins = spectrum.shape[0];
        frames = (int)spectrum.shape[1] - 1;
        var magnitudes = spectrum.narrow(1, 0, frames).abs().pow(2);
        var filters = from_array(_filters).reshape(NMels, bins);
        var logSpec = filters.matmul(magnitudes).clamp_min(1e-10).log10();
        logSpec = maximum(logSpec, logSpec.max() - 8.0);
        logSpec = (logSpec + 4.0) / 4.0;
        return logSpec.ToFloatArray();
    }
}
