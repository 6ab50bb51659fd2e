using System.Diagnostics;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Bench;

/// <summary>
/// <c>bench longclip</c>: peak resident memory and time while one long 48 kHz stereo 16-bit clip is tokenized with the
/// full-size random bundle, the way the worker does it: part by part from its file (<see cref="Vq0206Tokenizer.TokenizeLong"/>),
/// or with <c>--whole</c> decoded whole and tokenized in one batch (how clips up to
/// <see cref="Vq0206Tokenizer.LongClipSeconds"/> run). Prints the peak after loading the models and after tokenizing.
/// </summary>
public static class LongClipBenchmark
{
    public static int Run(double minutes, int threads, int onnxThreads, string? onnx, bool whole)
    {
        string bundle = SyntheticBundle.Ensure(onnx, Console.Error.WriteLine);
        string wav = Path.Combine(Path.GetTempPath(), "speechpairs-bench", $"longclip-{minutes}min-48k-stereo.wav");
        WriteLongWav(wav, minutes * 60, 48000);

        using var models = TokenizerModels.Load(bundle, new ModelOptions
        {
            Device = ComputeDeviceKind.Cpu,
            TorchThreads = threads,
            OnnxThreads = onnxThreads,
        });
        var tokenizer = models.CreateTokenizer();
        // Warm up on the clip's first 5 s only: decoding the whole file here would set the peak before the measurement.
        using (var head = WavReader.Open(wav))
        {
            var samples = new float[48000 * 5];
            head.ReadMono(0, samples);
            tokenizer.Tokenize(new DecodedAudio(wav, samples, 48000, 2));
        }
        GC.Collect();
        double loaded = Measure.PeakWorkingSetMb();

        var sw = Stopwatch.StartNew();
        ClipOutcome outcome;
        if (whole)
        {
            outcome = tokenizer.TokenizeBatch([WavReader.Read(wav)])[0];
        }
        else
        {
            using var file = WavReader.Open(wav);
            outcome = tokenizer.TokenizeLong(file);
        }
        double seconds = sw.Elapsed.TotalSeconds;
        if (!outcome.Succeeded) throw new InvalidOperationException(outcome.Error);
        double peak = Measure.PeakWorkingSetMb();

        string how = whole ? "whole" : "parts";
        Console.WriteLine($"long clip ({how}): {minutes:0.#} min of 48 kHz stereo 16-bit, full-size random encoder, vq06 {(onnx is null ? "tiny stand-in" : Path.GetFileName(onnx))}, torch threads {threads}: "
            + $"{seconds:0.0} s ({minutes * 60 / seconds:0.0}x realtime), {outcome.Tokens!.Vq02.Length} vq02 + {outcome.Tokens.Vq06.Length} vq06 codes");
        Console.WriteLine($"  peak RSS: models loaded + warm-up {loaded:0} MB, after tokenizing {peak:0} MB (+{(peak - loaded) / minutes:0} MB per minute of audio over the loaded models)");
        Console.WriteLine($"path={how} minutes={minutes:0.#} loaded_mb={loaded:0} peak_mb={peak:0} seconds={seconds:0.0}");
        return 0;
    }

    // Written a minute at a time, so generating the clip does not raise this process's peak.
    private static void WriteLongWav(string path, double seconds, int rate)
    {
        const int channels = 2;
        long frames = (long)(seconds * rate);
        if (File.Exists(path) && new FileInfo(path).Length == 44 + frames * channels * 2) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var w = new BinaryWriter(File.Create(path));
        uint dataBytes = checked((uint)(frames * channels * 2));
        SpeechLikeAudio.WriteWav16Header(w, channels, rate, dataBytes);
        for (long done = 0, minute = 0; done < frames; minute++)
        {
            int n = (int)Math.Min(60L * rate, frames - done);
            var audio = SpeechLikeAudio.Generate(n / (double)rate, rate, channels, seed: (int)minute + 1);
            var buffer = new byte[n * channels * 2];
            int k = 0;
            for (int i = 0; i < n; i++)
                for (int c = 0; c < channels; c++)
                {
                    short v = (short)Math.Clamp(Math.Round(audio[c][Math.Min(i, audio[c].Length - 1)] * 32767.0), short.MinValue, short.MaxValue);
                    buffer[k++] = (byte)v;
                    buffer[k++] = (byte)(v >> 8);
                }
            w.Write(buffer);
            done += n;
        }
    }
}
