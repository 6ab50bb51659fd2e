using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using Xunit.Abstractions;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>The whole tokenizer, from each fixture's input.wav, against the reference's vq02, vq06 and token string.</summary>
public sealed class TokenizerParityTests(ITestOutputHelper output) : IClassFixture<FixtureModels>
{
    private readonly FixtureModels _models = new();

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void TokensMatchTheReference(string name)
    {
        var tokens = new Vq0206Tokenizer(_models.Models).Tokenize(WavReader.Read(GoldenFixtures.File(name, "input.wav")));

        int vq02Ties = NearTies.CountAllowedVq02Differences(name, tokens.Vq02);
        int vq06Ties = NearTies.CountAllowedVq06Differences(name, tokens.Vq06);
        string expected = File.ReadAllText(GoldenFixtures.File(name, "tokens.txt"));
        Assert.Equal(expected, tokens.Tokens);
        output.WriteLine($"{name}: {tokens.Vq02.Length} vq02 ({vq02Ties} near-tie), {tokens.Vq06.Length} vq06 ({vq06Ties} near-tie), tokens identical");
    }

    [SkippableFact]
    public void BatchedClipsGetTheirOwnTokens()
    {
        var tokenizer = new Vq0206Tokenizer(_models.Models);
        var names = GoldenFixtures.TokenizedCaseNames.ToArray();
        var clips = names.Select(n => WavReader.Read(GoldenFixtures.File(n, "input.wav"))).ToArray();

        var batch = tokenizer.TokenizeBatch(clips);
        for (int i = 0; i < names.Length; i++)
        {
            var alone = tokenizer.Tokenize(clips[i]);
            Assert.True(batch[i].Succeeded, batch[i].Error);
            Assert.Equal(alone.Vq02, batch[i].Tokens!.Vq02);
            Assert.Equal(alone.Vq06, batch[i].Tokens!.Vq06);
            Assert.Equal(File.ReadAllText(GoldenFixtures.File(names[i], "tokens.txt")), batch[i].Tokens!.Tokens);
        }
    }

    [SkippableFact]
    public void Vq06LanesTakeTheLongestChunksFirst()
    {
        Assert.Equal([1, 3, 2, 0, 4], Vq0206Tokenizer.LongestFirst([48000, 144000, 80000, 144000, 16000]));
        Assert.Empty(Vq0206Tokenizer.LongestFirst([]));
    }

    [SkippableFact]
    public void LanesGiveTheSameCodesAsOneThread()
    {
        var names = GoldenFixtures.TokenizedCaseNames.ToArray();
        var clips = names.Select(n => WavReader.Read(GoldenFixtures.File(n, "input.wav"))).ToArray();
        var oneLane = new Vq0206Tokenizer(_models.Models).TokenizeBatch(clips);

        using var laneModels = FixtureModels.Load(new TokenizerOptions { TorchThreads = 3 });
        var lanes = new Vq0206Tokenizer(laneModels);
        Assert.Equal((3, 3), (lanes.Vq06Lanes, laneModels.Vq02Lanes));
        var inLanes = lanes.TokenizeBatch(clips);
        Assert.True(lanes.LastVq06Concurrency >= 1);
        for (int i = 0; i < names.Length; i++)
        {
            Assert.True(inLanes[i].Succeeded, inLanes[i].Error);
            Assert.Equal(oneLane[i].Tokens!.Vq06, inLanes[i].Tokens!.Vq06);
            Assert.Equal(oneLane[i].Tokens!.Vq02, inLanes[i].Tokens!.Vq02);
            Assert.Equal(File.ReadAllText(GoldenFixtures.File(names[i], "tokens.txt")), inLanes[i].Tokens!.Tokens);
        }
        Assert.True(lanes.Times.Vq06Seconds > 0 && lanes.Times.Vq02EncoderSeconds > 0 && lanes.Times.Vq02FrontEndSeconds > 0);
    }

    [SkippableTheory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(2, 1, 0, 2)]
    [InlineData(4, 2, 0, 2)]
    [InlineData(1, 2, 0, 1)]
    [InlineData(1, 1, 3, 3)]
    public void TheDefaultLanesAreTheCoresPerOnnxRun(int torchThreads, int onnxThreads, int lanes, int expected)
        => Assert.Equal(expected, new TokenizerOptions { TorchThreads = torchThreads, OnnxThreads = onnxThreads, Vq06Lanes = lanes }.EffectiveVq06Lanes);

    [SkippableFact]
    public void EmptyAudioIsAClipErrorNotACrash()
    {
        var tokenizer = new Vq0206Tokenizer(_models.Models);
        var good = WavReader.Read(GoldenFixtures.File("p07_silence_1s_16k", "input.wav"));
        var outcomes = tokenizer.TokenizeBatch([new DecodedAudio("empty.wav", [], 16000, 1), good]);
        Assert.False(outcomes[0].Succeeded);
        Assert.Contains("no audio samples", outcomes[0].Error);
        Assert.True(outcomes[1].Succeeded);
        var ex = Assert.Throws<TokenizationException>(() => tokenizer.Tokenize(new DecodedAudio("empty.wav", [], 16000, 1)));
        Assert.Contains("empty.wav", ex.Message);
    }

    [SkippableFact]
    public void AClipTooShortForAGroupGivesAnEmptyString()
    {
        var tokens = new Vq0206Tokenizer(_models.Models).Tokenize(WavReader.Read(GoldenFixtures.File("p06_short_0p02s_16k", "input.wav")));
        Assert.Empty(tokens.Vq02);
        Assert.Empty(tokens.Vq06);
        Assert.Equal("", tokens.Tokens);
    }
}
