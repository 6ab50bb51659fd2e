using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>
/// The forms of <c>model.pt</c> Step-Audio's loader accepts (wrapped, DDP-prefixed, storage views, legacy format,
/// float16), each re-saved from the fixture by real PyTorch, load to the same weights and give the same tokens.
/// </summary>
public sealed class CheckpointVariantTests : IClassFixture<FixtureModels>
{
    private readonly FixtureModels _models = new();

    public static TheoryData<string> SameAsOriginal =>
        ["wrapped_state_dict.pt", "ddp_module_prefix.pt", "views_with_storage_offset.pt", "legacy_format.pt"];

    [SkippableTheory]
    [MemberData(nameof(SameAsOriginal))]
    public void AVariantLoadsTheOriginalWeightsBitForBit(string variant)
    {
        using var original = LoadWeights(new BundleLayout(GoldenFixtures.BundleDir).ModelPt);
        using var loaded = LoadWeights(GoldenFixtures.CheckpointVariant(variant));
        AssertSameWeights(original, loaded);
    }

    [SkippableFact]
    public void Float16IsWidenedToFloat32AsLoadStateDictDoes()
    {
        using var half = LoadWeights(GoldenFixtures.CheckpointVariant("float16.pt"));
        using var upcast = LoadWeights(GoldenFixtures.CheckpointVariant("float16_upcast_float32.pt"));
        Assert.Equal(ScalarType.Float32, half.AfterNormWeight.dtype);
        AssertSameWeights(upcast, half);
    }

    [SkippableTheory]
    [MemberData(nameof(SameAsOriginal))]
    public void AVariantGivesTheFixtureTokens(string variant)
    {
        using var temp = new TempDir();
        using var models = TokenizerModels.Load(BundleCopy.WithModelPt(temp, GoldenFixtures.CheckpointVariant(variant)),
            new ModelOptions { Device = ComputeDeviceKind.Cpu });
        var variantTokenizer = models.CreateTokenizer();
        var originalTokenizer = _models.Models.CreateTokenizer();
        foreach (string name in GoldenFixtures.TokenizedCaseNames)
        {
            var clip = WavReader.Read(GoldenFixtures.File(name, "input.wav"));
            var got = variantTokenizer.Tokenize(clip);
            var want = originalTokenizer.Tokenize(clip);
            Assert.Equal(want.Vq02, got.Vq02);
            Assert.Equal(want.Vq06, got.Vq06);
            Assert.Equal(File.ReadAllText(GoldenFixtures.File(name, "tokens.txt")), got.Tokens);
        }
    }

    [SkippableFact]
    public void Float16GivesTheTokensOfItsFloat32Upcast()
    {
        using var temp = new TempDir();
        using var halfTemp = new TempDir();
        var options = new ModelOptions { Device = ComputeDeviceKind.Cpu };
        using var half = TokenizerModels.Load(BundleCopy.WithModelPt(halfTemp, GoldenFixtures.CheckpointVariant("float16.pt")), options);
        using var upcast = TokenizerModels.Load(BundleCopy.WithModelPt(temp, GoldenFixtures.CheckpointVariant("float16_upcast_float32.pt")), options);
        foreach (string name in GoldenFixtures.TokenizedCaseNames)
        {
            var clip = WavReader.Read(GoldenFixtures.File(name, "input.wav"));
            var got = half.CreateTokenizer().Tokenize(clip);
            var want = upcast.CreateTokenizer().Tokenize(clip);
            Assert.Equal(want.Vq02, got.Vq02);
            Assert.Equal(want.Vq06, got.Vq06);
            Assert.Equal(want.Tokens, got.Tokens);
        }
    }

    [SkippableFact]
    public void TheVariantsAreTheOnesTheReadmeDescribes()
    {
        // Guards against a variant being re-saved by SpeechPairs' own code instead of PyTorch.
        string dir = Path.GetDirectoryName(GoldenFixtures.CheckpointVariant("x"))!;
        foreach (string line in File.ReadAllLines(Path.Combine(dir, "SHA256SUMS")).Where(l => l.Length > 0))
        {
            string[] parts = line.Split("  ", 2);
            using var stream = File.OpenRead(Path.Combine(dir, parts[1]));
            Assert.Equal(parts[0], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
        }
    }

    [SkippableFact]
    public void MissingEncoderKeysAreStillNamedInAVariant()
    {
        using var temp = new TempDir();
        string root = BundleCopy.WithModelPt(temp, GoldenFixtures.CheckpointVariant("ddp_module_prefix.pt"));
        var layout = new BundleLayout(root);
        File.WriteAllText(layout.ConfigYaml, File.ReadAllText(layout.ConfigYaml).Replace("num_blocks: 3", "num_blocks: 4"));
        var e = Assert.Throws<BundleException>(() => TokenizerModels.Load(root, new ModelOptions { Device = ComputeDeviceKind.Cpu }));
        Assert.Contains("missing encoder key 'encoder.encoders.2.norm1.weight'", e.Message);
    }

    private static SanmEncoderWeights LoadWeights(string modelPt)
    {
        var config = ParaformerConfig.Load(new BundleLayout(GoldenFixtures.BundleDir).ConfigYaml);
        return SanmEncoderWeights.Load(modelPt, config, CPU);
    }

    private static void AssertSameWeights(SanmEncoderWeights expected, SanmEncoderWeights actual)
    {
        Assert.Equal(expected.Blocks.Count, actual.Blocks.Count);
        for (int i = 0; i < expected.Blocks.Count; i++)
        {
            var a = expected.Blocks[i];
            var b = actual.Blocks[i];
            Tensor[] left = [a.Norm1Weight, a.Norm1Bias, a.QkvWeight, a.QkvBias, a.FsmnWeight, a.OutWeight, a.OutBias, a.Norm2Weight, a.Norm2Bias, a.Ffn1Weight, a.Ffn1Bias, a.Ffn2Weight, a.Ffn2Bias];
            Tensor[] right = [b.Norm1Weight, b.Norm1Bias, b.QkvWeight, b.QkvBias, b.FsmnWeight, b.OutWeight, b.OutBias, b.Norm2Weight, b.Norm2Bias, b.Ffn1Weight, b.Ffn1Bias, b.Ffn2Weight, b.Ffn2Bias];
            for (int j = 0; j < left.Length; j++)
            {
                Assert.Equal(ScalarType.Float32, right[j].dtype);
                Assert.Equal(left[j].shape, right[j].shape);
                Assert.Equal(left[j].data<float>().ToArray(), right[j].data<float>().ToArray());
            }
        }
        Assert.Equal(expected.AfterNormWeight.data<float>().ToArray(), actual.AfterNormWeight.data<float>().ToArray());
        Assert.Equal(expected.AfterNormBias.data<float>().ToArray(), actual.AfterNormBias.data<float>().ToArray());
    }
}
