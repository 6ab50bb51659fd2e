using SpeechPairs.Tests.Support;

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
        File.WriteAllBytes(path, TestWavFile.Pcm16(sampleRate, channels, interleaved));
    }
}
