using System.Buffers.Binary;
using System.Text;

namespace SpeechPairs.Tests.Worker;

/// <summary>Writes 16-bit PCM RIFF/WAVE files for the worker tests.</summary>
internal static class TestWav
{
    /// <summary>A clip of <paramref name="seconds"/> whose samples follow from <paramref name="seed"/>; the first sample can be forced.</summary>
    public static void Write(string path, double seconds, int seed, int sampleRate = 16000, int channels = 1, short? firstSample = null)
    {
        var frames = (int)Math.Round(seconds * sampleRate);
        var samples = new short[frames * channels];
        var random = new Random(seed);
        for (var i = 0; i < samples.Length; i++)
            samples[i] = (short)random.Next(-8000, 8000);
        if (firstSample is { } first && samples.Length > 0)
        {
            for (var c = 0; c < channels; c++)
                samples[c] = first;
        }

        Write(path, samples, sampleRate, channels);
    }

    public static void Write(string path, short[] interleaved, int sampleRate, int channels)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var dataBytes = interleaved.Length * 2;
        var bytes = new byte[44 + dataBytes];
        Encoding.ASCII.GetBytes("RIFF").CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 36 + dataBytes);
        Encoding.ASCII.GetBytes("WAVEfmt ").CopyTo(bytes, 8);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(20), 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(22), (short)channels);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), sampleRate * channels * 2);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(32), (short)(channels * 2));
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(34), 16);
        Encoding.ASCII.GetBytes("data").CopyTo(bytes, 36);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(40), dataBytes);
        for (var i = 0; i < interleaved.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(44 + 2 * i), interleaved[i]);
        File.WriteAllBytes(path, bytes);
    }
}
