using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker.Tokenizing;

/// <summary>The production WAV reader: the tokenizer library's <see cref="WavReader"/> (one decode per file).</summary>
/// <remarks>
/// A rate the tokenizer's resampler refuses (<see cref="SincResampler.RefusalReason"/>) is refused here, from the
/// header, so the clip's error is a <c>wav: …</c> naming the rate before its samples are read or its batch waits.
/// </remarks>
public sealed class TokenizerWavReader : IWavReader
{
    public WavHeader ReadHeader(string path)
    {
        var info = WavReader.ReadInfo(path);
        CheckRate(path, info.SampleRate);
        return new WavHeader(info.SampleRate, info.DurationSeconds);
    }

    public DecodedAudio Read(string path)
    {
        CheckRate(path, WavReader.ReadInfo(path).SampleRate);
        return WavReader.Read(path);
    }

    private static void CheckRate(string path, int sampleRate)
    {
        if (SincResampler.RefusalReason(sampleRate, Vq0206Tokenizer.SampleRate) is { } reason)
            throw new AudioFormatException(path, reason);
    }
}
