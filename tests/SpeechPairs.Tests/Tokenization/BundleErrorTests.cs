using System.Collections;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Vq02;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>A broken model bundle fails at load time with one message naming the file and the problem.</summary>
public sealed class BundleErrorTests
{
    private static string CopyBundle(TempDir temp) => BundleCopy.Make(temp);

    private static BundleException LoadFails(string root)
        => Assert.Throws<BundleException>(() => TokenizerModels.Load(root, new ModelOptions { Device = ComputeDeviceKind.Cpu }));

    [SkippableTheory]
    [InlineData("linguistic_tokenizer.npy")]
    [InlineData("speech_tokenizer_v1.onnx")]
    [InlineData(BundleLayout.FunAsrModelId + "/model.pt")]
    [InlineData(BundleLayout.FunAsrModelId + "/config.yaml")]
    [InlineData(BundleLayout.FunAsrModelId + "/am.mvn")]
    public void AMissingFileIsNamed(string relative)
    {
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        File.Delete(Path.Combine(root, relative));
        var e = LoadFails(root);
        Assert.EndsWith(Path.GetFileName(relative), e.Path);
        Assert.Contains("missing", e.Message);
    }

    [SkippableFact]
    public void AMissingDirectoryIsNamed()
    {
        using var temp = new TempDir();
        var e = LoadFails(Path.Combine(temp.Path, "nowhere"));
        Assert.Contains("nowhere", e.Message);
        Assert.Contains("not found", e.Message);
    }

    [SkippableFact]
    public void ATruncatedCheckpointIsNamed()
    {
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        var layout = new BundleLayout(root);
        byte[] bytes = File.ReadAllBytes(layout.ModelPt);
        File.WriteAllBytes(layout.ModelPt, bytes[..(bytes.Length / 2)]);
        var e = LoadFails(root);
        Assert.Equal(layout.ModelPt, e.Path);
        Assert.Contains("not a readable PyTorch state dict", e.Message);
    }

    [SkippableFact]
    public void ALegacyCheckpointIsExplained()
    {
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        var layout = new BundleLayout(root);
        File.WriteAllBytes(layout.ModelPt, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]);
        var e = LoadFails(root);
        Assert.Contains("legacy", e.Message);
        Assert.Contains("model.pt", e.Message);
    }

    [SkippableFact]
    public void CentroidsOfTheWrongShapeAreRefused()
    {
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        var layout = new BundleLayout(root);
        File.WriteAllBytes(layout.Centroids, Npy("<f4", "(1024, 64)", 1024 * 64 * 4));
        var e = LoadFails(root);
        Assert.Equal(layout.Centroids, e.Path);
        Assert.Contains("(1024, 64)", e.Message);
        Assert.Contains("128", e.Message);
    }

    [SkippableFact]
    public void CentroidsOfTheWrongDtypeAreRefused()
    {
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        var layout = new BundleLayout(root);
        File.WriteAllBytes(layout.Centroids, Npy("<f8", "(1024, 128)", 1024 * 128 * 8));
        var e = LoadFails(root);
        Assert.Contains("float32", e.Message);
        Assert.Contains("f8", e.Message);
    }

    [SkippableFact]
    public void ANonOnnxFileIsRefused()
    {
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        var layout = new BundleLayout(root);
        File.WriteAllText(layout.SpeechTokenizerOnnx, "this is not an ONNX model");
        var e = LoadFails(root);
        Assert.Equal(layout.SpeechTokenizerOnnx, e.Path);
        Assert.Contains("not a loadable ONNX model", e.Message);
    }

    [SkippableFact]
    public void AConfigForAnotherEncoderIsRefused()
    {
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        var layout = new BundleLayout(root);
        File.WriteAllText(layout.ConfigYaml, File.ReadAllText(layout.ConfigYaml).Replace("encoder: SANMEncoderChunkOpt", "encoder: ConformerEncoder"));
        var e = LoadFails(root);
        Assert.Contains("ConformerEncoder", e.Message);
        Assert.Contains("config.yaml", e.Message);
    }

    [SkippableFact]
    public void SizesComeFromTheConfig()
    {
        // Claiming 4 blocks in config.yaml makes the loader look for a block the tiny checkpoint lacks.
        using var temp = new TempDir();
        string root = CopyBundle(temp);
        var layout = new BundleLayout(root);
        File.WriteAllText(layout.ConfigYaml, File.ReadAllText(layout.ConfigYaml).Replace("num_blocks: 3", "num_blocks: 4"));
        var e = LoadFails(root);
        Assert.Contains("missing encoder key 'encoder.encoders.2.norm1.weight'", e.Message);
    }

    [SkippableFact]
    public void AMisShapedEncoderKeyIsNamed()
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        var config = ParaformerConfig.Load(layout.ConfigYaml);
        Hashtable stateDict = PyTorchUnpickler.UnpickleStateDict(layout.ModelPt);
        stateDict["encoder.encoders.1.feed_forward.w_1.weight"] = zeros(255, 128);
        var e = Assert.Throws<BundleException>(() => SanmEncoderWeights.FromStateDict(stateDict, layout.ModelPt, config, CPU));
        Assert.Contains("encoder.encoders.1.feed_forward.w_1.weight", e.Message);
        Assert.Contains("[255, 128]", e.Message);
        Assert.Contains("[256, 128]", e.Message);
    }

    [SkippableFact]
    public void DecoderKeysAreIgnored()
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        var config = ParaformerConfig.Load(layout.ConfigYaml);
        Hashtable stateDict = PyTorchUnpickler.UnpickleStateDict(layout.ModelPt);
        Assert.Contains("decoder.embed.0.weight", stateDict.Keys.Cast<string>());
        stateDict["decoder.some.unknown.key"] = zeros(3);
        using var weights = SanmEncoderWeights.FromStateDict(stateDict, layout.ModelPt, config, CPU);
        Assert.Equal(3, weights.Blocks.Count);
    }

    private static byte[] Npy(string descr, string shape, int dataBytes)
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add(1);
        bytes.Add(0);
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[dataBytes]);
        return bytes.ToArray();
    }
}
