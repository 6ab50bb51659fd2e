using System.Buffers.Binary;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

/// <summary>
/// Test double for the tokenizer library's WAV reader: reads exactly what <see cref="TestWav"/> writes (44-byte header,
/// 16-bit PCM) and refuses anything else with <see cref="AudioFormatException"/>. Counts calls per file.
/// </summary>
internal sealed class TestWavReader : IWavReader
{
    private readonly Dictionary<string, int> _headerReads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _decodes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IReadOnlyDictionary<string, int> Decodes
    {
        get
        {
            lock (_gate)
                return new Dictionary<string, int>(_decodes);
        }
    }

    public IReadOnlyDictionary<string, int> HeaderReads
    {
        get
        {
            lock (_gate)
                return new Dictionary<string, int>(_headerReads);
        }
    }

    public WavHeader ReadHeader(string path)
    {
        Count(_headerReads, path);
        var (sampleRate, channels, frames, _) = Parse(path, headerOnly: true);
        return new WavHeader(sampleRate, (double)frames / sampleRate);
    }

    public DecodedAudio Read(string path)
    {
        Count(_decodes, path);
        var (sampleRate, channels, frames, bytes) = Parse(path, headerOnly: false);
        var mono = new float[frames];
        for (var f = 0; f < frames; f++)
        {
            float sum = 0;
            for (var c = 0; c < channels; c++)
                sum += BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(44 + 2 * (f * channels + c))) / 32768f;
            mono[f] = sum / channels;
        }

        return new DecodedAudio(path, mono, sampleRate, channels);
    }

    private static (int SampleRate, int Channels, int Frames, byte[] Bytes) Parse(string path, bool headerOnly)
    {
        byte[] bytes;
        try
        {
            bytes = headerOnly ? ReadPrefix(path, 44) : File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new AudioFormatException(path, "cannot read: " + e.Message, e);
        }

        if (bytes.Length < 44 || !bytes.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !bytes.AsSpan(8, 8).SequenceEqual("WAVEfmt "u8))
            throw new AudioFormatException(path, "not a RIFF/WAVE file");
        int channels = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(22));
        var sampleRate = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24));
        var dataBytes = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(40));
        return (sampleRate, channels, dataBytes / 2 / channels, bytes);
    }

    private static byte[] ReadPrefix(string path, int length)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[length];
        var read = stream.ReadAtLeast(buffer, length, throwOnEndOfStream: false);
        return buffer[..read];
    }

    private void Count(Dictionary<string, int> counts, string path)
    {
        lock (_gate)
            counts[path] = counts.GetValueOrDefault(path) + 1;
    }
}
