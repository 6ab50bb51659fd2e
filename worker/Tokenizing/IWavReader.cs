using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker.Tokenizing;

/// <summary>Reads WAV files. Every failure throws <see cref="AudioFormatException"/>.</summary>
public interface IWavReader
{
    /// <summary>The header only: cheap, so durations can be checked and batches planned before decoding.</summary>
    WavHeader ReadHeader(string path);

    /// <summary>Decodes the whole file to mono float32 at its own rate.</summary>
    DecodedAudio Read(string path);
}

/// <summary>What the worker needs from a WAV header.</summary>
public sealed record WavHeader(int SampleRate, double DurationSeconds);
