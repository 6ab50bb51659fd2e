using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker;

/// <summary>The production WAV reader: the tokenizer library's <see cref="WavReader"/> (one decode per file).</summary>
public sealed class TokenizerWavReader : IWavReader
{
    public WavHeader ReadHeader(string path)
    {
        var info = WavReader.ReadInfo(path);
        return new WavHeader(info.SampleRate, info.DurationSeconds);
    }

    public DecodedAudio Read(string path) => WavReader.Read(path);
}
