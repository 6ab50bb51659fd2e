namespace SpeechPairs.Bench;

/// <summary>
/// Deterministic speech-like test audio: voiced stretches (a gliding pitch with formant-like harmonics) and
/// noisy consonant bursts under a syllable-rate envelope, with short pauses. Not speech, but it exercises
/// every stage the way a voice line does (no digital silence, realistic level changes).
/// </summary>
public static class SpeechLikeAudio
{
    public static float[][] Generate(double seconds, int sampleRate, int channels, int seed)
    {
        int n = (int)(seconds * sampleRate);
        var random = new Random(seed);
        var mono = new float[n];
        double phase = 0;
        double pitch = 140, pitchTarget = 160;
        int syllableEnd = 0;
        bool voiced = true, pause = false;
        double syllableLength = 1;
        int syllableStart = 0;
        for (int i = 0; i < n; i++)
        {
            if (i >= syllableEnd)
            {
                syllableStart = i;
                syllableLength = sampleRate * (0.12 + random.NextDouble() * 0.25);
                syllableEnd = i + (int)syllableLength;
                pause = random.NextDouble() < 0.12;
                voiced = random.NextDouble() < 0.75;
                pitchTarget = 90 + random.NextDouble() * 180;
            }
            double t = (i - syllableStart) / syllableLength;
            double envelope = pause ? 0.002 : Math.Sin(Math.PI * t) * (0.3 + 0.2 * Math.Sin(i * 0.00007));
            pitch += (pitchTarget - pitch) * 0.0005;
            phase += 2 * Math.PI * pitch / sampleRate;
            double s = 0;
            if (voiced)
            {
                for (int h = 1; h <= 12; h++)
                {
                    double f = h * pitch;
                    double formant = Math.Exp(-Math.Pow((f - 700) / 300, 2)) + 0.6 * Math.Exp(-Math.Pow((f - 1700) / 400, 2)) + 0.2;
                    s += formant / h * Math.Sin(h * phase);
                }
            }
            else
            {
                s = (random.NextDouble() * 2 - 1) * 0.5;
            }
            mono[i] = (float)(envelope * s + (random.NextDouble() - 0.5) * 0.002);
        }
        var result = new float[channels][];
        for (int c = 0; c < channels; c++)
        {
            result[c] = new float[n];
            int delay = c * 7;
            for (int i = 0; i < n; i++) result[c][i] = mono[Math.Max(0, i - delay)] * (1f - 0.1f * c);
        }
        return result;
    }

    /// <summary>The 44-byte header of a 16-bit PCM WAV whose data chunk holds <paramref name="dataBytes"/> bytes.</summary>
    public static void WriteWav16Header(BinaryWriter w, int channels, int sampleRate, uint dataBytes)
    {
        w.Write("RIFF"u8);
        w.Write(36 + dataBytes);
        w.Write("WAVE"u8);
        w.Write("fmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)channels);
        w.Write(sampleRate);
        w.Write(sampleRate * channels * 2);
        w.Write((short)(channels * 2));
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(dataBytes);
    }

    /// <summary>Writes 16-bit PCM WAV (interleaved).</summary>
    public static void WriteWav16(string path, float[][] channels, int sampleRate)
    {
        int n = channels[0].Length, c = channels.Length;
        using var w = new BinaryWriter(File.Create(path));
        WriteWav16Header(w, c, sampleRate, checked((uint)(n * c * 2)));
        var buffer = new byte[n * c * 2];
        int k = 0;
        for (int i = 0; i < n; i++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                short v = (short)Math.Clamp(Math.Round(channels[ch][i] * 32767.0), short.MinValue, short.MaxValue);
                buffer[k++] = (byte)v;
                buffer[k++] = (byte)(v >> 8);
            }
        }
        w.Write(buffer);
    }
}
