using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Vq06;

namespace SpeechPairs.Tests.Vq06;

/// <summary>The vq06 module alone: the reference's normalised 16 kHz audio in, a batch at a time, its vq06 codes out.</summary>
public sealed class Vq06TokenizerTests : IClassFixture<FixtureModels>
{
    private readonly FixtureModels _models = new();

    [SkippableFact]
    public void ABatchOfTheReferencesAudioGivesItsCodes()
    {
        var names = GoldenFixtures.TokenizedCaseNames.ToArray();
        var codes = _models.Models.Vq06.Quantize(names.Select(n => GoldenFixtures.Npy(n, "normed.npy").ToFloat32()).ToArray());
        for (int i = 0; i < names.Length; i++)
        {
            Assert.True(codes.Errors[i] is null, codes.Errors[i]);
            Assert.Equal(0, NearTies.CountAllowedVq06Differences(names[i], codes.Codes[i]!));
        }
    }

    [SkippableFact]
    public void TheLanesTakeTheLongestChunksFirst()
    {
        Assert.Equal([1, 3, 2, 0, 4], Vq06Tokenizer.LongestFirst([48000, 144000, 80000, 144000, 16000]));
        Assert.Empty(Vq06Tokenizer.LongestFirst([]));
    }

    [SkippableTheory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(2, 1, 0, 2)]
    [InlineData(4, 2, 0, 2)]
    [InlineData(1, 2, 0, 1)]
    [InlineData(1, 1, 3, 3)]
    public void TheDefaultLanesAreTheCoresPerOnnxRun(int torchThreads, int onnxThreads, int lanes, int expected)
        => Assert.Equal(expected, new ModelOptions { TorchThreads = torchThreads, OnnxThreads = onnxThreads, Vq06Lanes = lanes }.EffectiveVq06Lanes);
}
