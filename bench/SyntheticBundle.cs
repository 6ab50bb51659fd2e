using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace SpeechPairs.Bench;

/// <summary>
/// A full-size Step-Audio tokenizer bundle with random weights, in the real layout, for benchmarks: the real
/// encoder shape (50 blocks, 512 wide, FFN 2048, 4 heads, kernel 11), 1024 × 512 centroids, and a vq06 model
/// (the fixture's tiny stand-in unless a real-size <c>speech_tokenizer_v1.onnx</c> is given). Written once
/// to the temp folder and reused.
/// </summary>
public static class SyntheticBundle
{
    public const int Blocks = 50, Width = 512, Heads = 4, Ffn = 2048, Kernel = 11, MelBins = 80, LfrM = 7, LfrN = 6, Centroids = 1024;
    private const int InputSize = MelBins * LfrM;

    public static string FixtureBundle => Path.Combine(Measure.RepoRoot(), "tests", "fixtures", "vq0206", "Step-Audio-Tokenizer");

    /// <summary>The bundle directory, creating it on first use.</summary>
    public static string Ensure(string? onnxPath, Action<string> log)
    {
        string onnx = onnxPath ?? Path.Combine(FixtureBundle, "speech_tokenizer_v1.onnx");
        string tag = onnxPath is null ? "tiny-vq06" : "onnx-" + new FileInfo(onnx).Length;
        string root = Path.Combine(Path.GetTempPath(), "speechpairs-bench", $"fullsize-stored-{tag}", "Step-Audio-Tokenizer");
        string marker = Path.Combine(root, ".complete");
        if (File.Exists(marker)) return root;

        log($"writing a full-size random-weight bundle to {root} (once) ...");
        string funasr = Path.Combine(root, "dengcunqin", "speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online");
        Directory.CreateDirectory(funasr);
        var fixtureConfig = File.ReadAllText(Path.Combine(FixtureBundle, "dengcunqin", "speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online", "config.yaml"));
        File.WriteAllText(Path.Combine(funasr, "config.yaml"), fixtureConfig
            .Replace("output_size: 128", $"output_size: {Width}")
            .Replace("linear_units: 256", $"linear_units: {Ffn}")
            .Replace("num_blocks: 3", $"num_blocks: {Blocks}")
            .Replace("idim: 128", $"idim: {Width}"));
        File.WriteAllText(Path.Combine(funasr, "am.mvn"), AmMvn(new Random(7)));
        using (var scope = NewDisposeScope())
            StoredCheckpoint.Write(Path.Combine(funasr, "model.pt"), RandomStateDict(new Generator(20250217)));
        WriteNpy(Path.Combine(root, "linguistic_tokenizer.npy"), RandomCentroids(new Random(11)), Centroids, Width);
        File.Copy(onnx, Path.Combine(root, "speech_tokenizer_v1.onnx"), overwrite: true);
        File.WriteAllText(marker, "ok");
        return root;
    }

    /// <summary>Random encoder weights scaled like a trained network (unit-variance activations, LayerNorm at identity).</summary>
    public static Dictionary<string, Tensor> RandomStateDict(Generator g)
    {
        var dict = new Dictionary<string, Tensor>();
        Tensor Normal(long rows, long cols) => randn(new[] { rows, cols }, generator: g) * (float)(1 / Math.Sqrt(cols));
        void Block(string p, int inSize)
        {
            dict[p + "norm1.weight"] = ones(inSize);
            dict[p + "norm1.bias"] = zeros(inSize);
            dict[p + "self_attn.linear_q_k_v.weight"] = Normal(3 * Width, inSize);
            dict[p + "self_attn.linear_q_k_v.bias"] = randn(new long[] { 3 * Width }, generator: g) * 0.02f;
            dict[p + "self_attn.fsmn_block.weight"] = randn(new long[] { Width, 1, Kernel }, generator: g) * 0.1f;
            dict[p + "self_attn.linear_out.weight"] = Normal(Width, Width);
            dict[p + "self_attn.linear_out.bias"] = zeros(Width);
            dict[p + "norm2.weight"] = ones(Width);
            dict[p + "norm2.bias"] = zeros(Width);
            dict[p + "feed_forward.w_1.weight"] = Normal(Ffn, Width);
            dict[p + "feed_forward.w_1.bias"] = zeros(Ffn);
            dict[p + "feed_forward.w_2.weight"] = Normal(Width, Ffn) * 0.5f;
            dict[p + "feed_forward.w_2.bias"] = zeros(Width);
        }
        Block("encoder.encoders0.0.", InputSize);
        for (int i = 0; i < Blocks - 1; i++) Block($"encoder.encoders.{i}.", Width);
        dict["encoder.after_norm.weight"] = ones(Width);
        dict["encoder.after_norm.bias"] = zeros(Width);
        return dict;
    }

    public static float[] RandomCentroids(Random random)
    {
        var c = new float[Centroids * Width];
        for (int i = 0; i < c.Length; i++) c[i] = (float)(random.NextDouble() * 2 - 1);
        return c;
    }

    private static string AmMvn(Random random)
    {
        string Row(Func<double> value) => string.Join(" ", Enumerable.Range(0, InputSize).Select(_ => value().ToString("R", CultureInfo.InvariantCulture)));
        var sb = new StringBuilder();
        sb.Append("<Nnet>\n<Splice> 560 560\n[ 0 ]\n<AddShift> 560 560\n");
        sb.Append("<LearnRateCoef> 0 [ ").Append(Row(() => -8 - 8 * random.NextDouble())).Append(" ]\n");
        sb.Append("<Rescale> 560 560\n<LearnRateCoef> 0 [ ").Append(Row(() => 0.2 + 0.2 * random.NextDouble())).Append(" ]\n</Nnet>\n");
        return sb.ToString();
    }

    private static void WriteNpy(string path, float[] data, int rows, int cols)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}";
        int padding = (64 - (10 + header.Length + 1) % 64) % 64;
        header = header + new string(' ', padding) + "\n";
        using var w = new BinaryWriter(File.Create(path));
        w.Write((byte)0x93);
        w.Write("NUMPY"u8);
        w.Write((byte)1);
        w.Write((byte)0);
        w.Write((ushort)header.Length);
        w.Write(Encoding.ASCII.GetBytes(header));
        foreach (float v in data) w.Write(v);
    }
}
