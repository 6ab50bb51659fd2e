using System.Collections;
using System.Diagnostics;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Vq02;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SpeechPairs.Bench;

/// <summary>
/// Loading a real-size <c>model.pt</c> (881 MB: the full-size random encoder plus ignored decoder-like keys) with
/// SpeechPairs' reader, or as before with TorchSharp.PyBridge (the whole state dict in memory); run each reader in
/// its own process so the peak resident set is that reader's.
/// </summary>
public static class LoadBenchmark
{
    private const long RealModelPtBytes = 881L * 1024 * 1024;

    public static int Run(string reader)
    {
        string path = EnsureCheckpoint();
        var config = new ParaformerConfig("SANMEncoderChunkOpt", SyntheticBundle.Width, SyntheticBundle.Heads, SyntheticBundle.Ffn,
            SyntheticBundle.Blocks, SyntheticBundle.Kernel, 0, "pe_online", true, "WavFrontendOnline", 16000,
            SyntheticBundle.MelBins, SyntheticBundle.LfrM, SyntheticBundle.LfrN, 0.0);
        double before = Measure.PeakWorkingSetMb();
        var sw = Stopwatch.StartNew();
        SanmEncoderWeights weights;
        if (reader == "pybridge")
        {
            Hashtable stateDict = PyTorchUnpickler.UnpickleStateDict(path);
            weights = SanmEncoderWeights.FromStateDict(stateDict, path, config, CPU);
            foreach (DictionaryEntry e in stateDict)
                if (e.Value is Tensor t) t.Dispose();
        }
        else
        {
            weights = SanmEncoderWeights.Load(path, config, CPU);
        }
        double seconds = sw.Elapsed.TotalSeconds;
        long kept = weights.Blocks.Sum(b => new[] { b.QkvWeight, b.OutWeight, b.Ffn1Weight, b.Ffn2Weight }.Sum(t => t.NumberOfElements)) * 4;
        Console.WriteLine($"reader={reader} file_mb={new FileInfo(path).Length / 1048576.0:F0} load_s={seconds:F2} peak_rss_mb={Measure.PeakWorkingSetMb():F0} rss_before_mb={before:F0} encoder_weights_mb~={kept / 1048576.0:F0}");
        weights.Dispose();
        return 0;
    }

    // The encoder keys of SyntheticBundle plus 'decoder.*' filler up to the real file's size, written once.
    private static string EnsureCheckpoint()
    {
        string dir = Path.Combine(Path.GetTempPath(), "speechpairs-bench", "load-881mb-stored");
        string path = Path.Combine(dir, "model.pt");
        if (File.Exists(path + ".complete")) return path;
        Directory.CreateDirectory(dir);
        Console.Error.WriteLine($"writing a full-size random model.pt to {path} (once) ...");
        using var scope = NewDisposeScope();
        var dict = SyntheticBundle.RandomStateDict(new Generator(20250217));
        long bytes = dict.Values.Sum(t => t.NumberOfElements * 4);
        var g = new Generator(5);
        for (int i = 0; bytes < RealModelPtBytes; i++, bytes += 1024 * 1024 * 4)
            dict[$"decoder.decoders.{i}.filler.weight"] = randn(new long[] { 1024, 1024 }, generator: g);
        StoredCheckpoint.Write(path, dict);
        File.WriteAllText(path + ".complete", "ok");
        return path;
    }
}
