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
        var tokens = _models.Models.CreateTokenizer().Tokenize(WavReader.Read(GoldenFixtures.File(name, "input.wav")));

        int vq02Ties = NearTies.CountAllowedVq02Differences(name, tokens.Vq02);
        int vq06Ties = NearTies.CountAllowedVq06Differences(name, tokens.Vq06);
        string expected = File.ReadAllText(GoldenFixtures.File(name, "tokens.txt"));
        Assert.Equal(expected, tokens.Tokens);
        output.WriteLine($"{name}: {tokens.Vq02.Length} vq02 ({vq02Ties} near-tie), {tokens.Vq06.Length} vq06 ({vq06Ties} near-tie), tokens identical");
    }

    [SkippableFact]
    public void BatchedClipsGetTheirOwnTokens()
    {
        var tokenizer = _models.Models.CreateTokenizer();
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
    public void LanesGiveTheSameCodesAsOneThread()
    {
        var names = GoldenFixtures.TokenizedCaseNames.ToArray();
        var clips = names.Select(n => WavReader.Read(GoldenFixtures.File(n, "input.wav"))).ToArray();
        var oneLane = _models.Models.CreateTokenizer().TokenizeBatch(clips);

        using var laneModels = FixtureModels.Load(new ModelOptions { TorchThreads = 3 });
        var lanes = laneModels.CreateTokenizer();
        Assert.Equal((3, 3), (laneModels.Vq06.Lanes, laneModels.Vq02.Lanes));
        var inLanes = lanes.TokenizeBatch(clips);
        Assert.True(laneModels.Vq06.LastConcurrency >= 1);
        for (int i = 0; i < names.Length; i++)
        {
            Assert.True(inLanes[i].Succeeded, inLanes[i].Error);
            Assert.Equal(oneLane[i].Tokens!.Vq06, inLanes[i].Tokens!.Vq06);
            Assert.Equal(oneLane[i].Tokens!.Vq02, inLanes[i].Tokens!.Vq02);
            Assert.Equal(File.ReadAllText(GoldenFixtures.File(names[i], "tokens.txt")), inLanes[i].Tokens!.Tokens);
        }
        Assert.True(lanes.Times.Vq06Seconds > 0 && lanes.Times.Vq02EncoderSeconds > 0 && lanes.Times.Vq02FrontEndSeconds > 0);
    }

    [SkippableFact]
    public void EmptyAudioIsAClipErrorNotACrash()
    {
        var tokenizer = _models.Models.CreateTokenizer();
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
        var tokens = _models.Models.CreateTokenizer().Tokenize(WavReader.Read(GoldenFixtures.File("p06_short_0p02s_16k", "input.wav")));
        Assert.Empty(tokens.Vq02);
        Assert.Empty(tokens.Vq06);
        Assert.Equal("", tokens.Tokens);
    }

    [SkippableFact]
    public void ProcessorsOfOneSetOfModelsEachKeepTheirOwnOptions()
    {
        // Dither and trim belong to the processor: two processors of the shared models must not see each other's,
        // and each must give what a processor of freshly loaded models with the same options gives.
        const string name = "p01_cmn_48k_stereo_s16";
        var clip = WavReader.Read(GoldenFixtures.File(name, "input.wav"));
        var plain = _models.Models.CreateTokenizer();
        var dithered = _models.Models.CreateTokenizer(new TokenizeOptions { Dither = 1f, Trim = true });
        Assert.Equal(new TokenizeOptions(), plain.Options);

        var before = plain.Tokenize(clip);
        var changed = dithered.Tokenize(clip);
        Assert.Equal(File.ReadAllText(GoldenFixtures.File(name, "tokens.txt")), plain.Tokenize(clip).Tokens);
        Assert.NotEqual(before.Vq02, changed.Vq02);

        using var fresh = FixtureModels.Load(new ModelOptions());
        Assert.Equal(changed.Tokens, fresh.CreateTokenizer(new TokenizeOptions { Dither = 1f, Trim = true }).Tokenize(clip).Tokens);
    }
}
