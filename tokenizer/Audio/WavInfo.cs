namespace SpeechPairs.Tokenizer.Audio;

/// <summary>What a WAV header says about its audio, as validated by <see cref="WavReader.ReadInfo"/>.</summary>
/// <param name="SampleRate">Frames per second (8000 Hz or more).</param>
/// <param name="Channels">Interleaved channels per frame (1-8).</param>
/// <param name="BitsPerSample">Container size of one sample: 8, 16, 24 or 32 for PCM, 32 or 64 for float.</param>
/// <param name="Encoding">Integer PCM or IEEE float.</param>
/// <param name="Frames">Whole frames in the data chunk (a trailing partial frame is not counted).</param>
public sealed record WavInfo(int SampleRate, int Channels, int BitsPerSample, WavSampleEncoding Encoding, long Frames)
{
    /// <summary>Length in seconds: <see cref="Frames"/> / <see cref="SampleRate"/>.</summary>
    public double DurationSeconds => SampleRate > 0 ? (double)Frames / SampleRate : 0;
}
