namespace SpeechPairs.Tokenizer.Audio;

/// <summary>A decoded clip: mono float32 samples on the reference's scale (integer PCM / 2^(bits-1), float as stored).</summary>
/// <param name="Source">Where the samples came from (a file path, or a label for generated audio); used in error messages.</param>
/// <param name="Samples">Mono samples: the mean over channels.</param>
/// <param name="SampleRate">The file's own sample rate (before any resampling).</param>
/// <param name="Channels">The file's channel count (before mixdown).</param>
public sealed record DecodedAudio(string Source, float[] Samples, int SampleRate, int Channels)
{
    /// <summary>Length in seconds at the original rate.</summary>
    public double DurationSeconds => SampleRate > 0 ? (double)Samples.Length / SampleRate : 0;
}
