using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using Xunit.Abstractions;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>The whole tokenizer, from each fixture's input.wav, against the reference's vq02, vq06 and token string.</summary>
public sealed class TokenizerParityTests(ITestOutputHelper output) : IClassFixture<FixtureModels>
{
    private readonly FixtureModels _models = new();

    [Theory]
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

    [Fact]
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

    [Fact]
    public void Vq06RunsConcurrentlyWithVq02WithoutChangingResults()
    {
        var clip = WavReader.Read(GoldenFixtures.File("p08_cmn_30p5s_16k", "input.wav"));
        var overlapped = new Vq0206Tokenizer(_models.Models);
        var a = overlapped.Tokenize(clip);
        Assert.NotEqual(overlapped.LastThreads.Vq02Thread, overlapped.LastThreads.Vq06Thread);

        using var sequentialModels = FixtureModels.Load(new TokenizerOptions { OverlapVq06 = false });
        var sequential = new Vq0206Tokenizer(sequentialModels);
        var b = sequential.Tokenize(clip);
        Assert.Equal(sequential.LastThreads.Vq02Thread, sequential.LastThreads.Vq06Thread);
        Assert.Equal(a, b with { Vq02 = a.Vq02, Vq06 = a.Vq06 });
        Assert.Equal(a.Vq02, b.Vq02);
        Assert.Equal(a.Vq06, b.Vq06);
        Assert.Equal(a.Tokens, b.Tokens);
    }

    [Fact]
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

    [Fact]
    public void AClipTooShortForAGroupGivesAnEmptyString()
    {
        var tokens = new Vq0206Tokenizer(_models.Models).Tokenize(WavReader.Read(GoldenFixtures.File("p06_short_0p02s_16k", "input.wav")));
        Assert.Empty(tokens.Vq02);
        Assert.Empty(tokens.Vq06);
        Assert.Equal("", tokens.Tokens);
    }
}
