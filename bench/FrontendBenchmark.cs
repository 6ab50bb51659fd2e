using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;
using static TorchSharp.torch;

namespace SpeechPairs.Bench;

/// <summary>
/// <c>bench frontend</c>: every stage before the networks, on one core, for a 48 kHz stereo clip:
/// WAV decode, resample to 16 kHz, energy norm, vq02 features (Kaldi fbank + streaming LFR + CMVN) and
/// vq06 features (whisper log-mel per 30 s chunk).
/// </summary>
public static class FrontendBenchmark
{
    public static int Run(double seconds, int repeat)
    {
        set_num_threads(1);
        string dir = Path.Combine(Path.GetTempPath(), "speechpairs-bench");
        Directory.CreateDirectory(dir);
        string wav = Path.Combine(dir, $"speechlike-{seconds}s-48k-stereo.wav");
        SpeechLikeAudio.WriteWav16(wav, SpeechLikeAudio.Generate(seconds, 48000, 2, seed: 1), 48000);
        var cmvn = CmvnStats.Load(Path.Combine(SyntheticBundle.FixtureBundle, "dengcunqin",
            "speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online", "am.mvn"));
        var frontend = new OnlineFrontend(cmvn);
        var logMel = new WhisperLogMel();
        var resampler = new SincResampler(48000, 16000);

        // Warm-up (JIT, torch kernels), then the best of `repeat` runs per stage.
        var warm = EnergyNormalizer.Normalize(resampler.Resample(WavReader.Read(wav).Samples));
        frontend.Extract(warm);
        logMel.Compute(warm.AsSpan(0, Math.Min(warm.Length, 480000)), out _);

        var (decode, audio) = Measure.Best(repeat, () => WavReader.Read(wav));
        var (resample, at16k) = Measure.Best(repeat, () => resampler.Resample(audio.Samples));
        var (norm, normed) = Measure.Best(repeat, () => EnergyNormalizer.Normalize(at16k));
        var (fbank, features) = Measure.Best(repeat, () => frontend.Extract(normed));
        var (mel, melFrames) = Measure.Best(repeat, () =>
        {
            int frames = 0;
            foreach (var (start, length) in Vq06Chunks.Split(normed.Length))
            {
                logMel.Compute(normed.AsSpan(start, length), out int f);
                frames += f;
            }
            return frames;
        });
        double total = decode + resample + norm + fbank + mel;

        Console.WriteLine($"front end on one core: {seconds:0} s of 48 kHz stereo speech-like audio (best of {repeat})");
        Row("decode (WavReader)", decode, seconds);
        Row("resample 48k→16k", resample, seconds);
        Row("energy norm", norm, seconds);
        Row($"fbank+LFR+CMVN ({features.Frames} frames)", fbank, seconds);
        Row($"whisper log-mel ({melFrames} frames)", mel, seconds);
        Row("whole front end", total, seconds);
        Console.WriteLine($"frontend_xrt={seconds / total:0.0} decode_s={decode:0.0000} resample_s={resample:0.0000} norm_s={norm:0.0000} fbank_lfr_cmvn_s={fbank:0.0000} logmel_s={mel:0.0000} threads=1");
        return 0;
    }

    private static void Row(string stage, double s, double audioSeconds)
        => Console.WriteLine($"  {stage,-36} {s * 1000,9:0.0} ms  {audioSeconds / s,9:0.0}x realtime");
}
