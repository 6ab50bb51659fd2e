using System.Text.Json;
using System.Text.RegularExpressions;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>The token-count formula against what the Python reference produced for every golden case.</summary>
public sealed class ExpectedTokenCountTests
{
    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void Counts_from_the_wav_header_equal_the_reference_outputs(string name)
    {
        var header = WavReader.ReadInfo(GoldenFixtures.File(name, "input.wav"));
        var samples = ExpectedTokenCount.ResampledLength(header.Frames, header.SampleRate);
        var lengths = GoldenFixtures.Meta(name).GetProperty("lengths");

        Assert.Equal(lengths.GetProperty("resampled_16k").GetInt64(), samples);
        Assert.Equal(ReadCodes(name, "vq02.json"), ExpectedTokenCount.Vq02Codes(samples));
        Assert.Equal(ReadCodes(name, "vq06.json"), ExpectedTokenCount.Vq06Codes(samples));
        var tokens = Regex.Count(File.ReadAllText(GoldenFixtures.File(name, "tokens.txt")), @"<audio_\d+>");
        Assert.Equal(tokens, ExpectedTokenCount.Groups(header.Frames, header.SampleRate) * TokenMerger.TokensPerGroup);
        Assert.Null(TokenString.Parse(File.ReadAllText(GoldenFixtures.File(name, "tokens.txt"))).Problem);
    }

    [SkippableFact]
    public void Clips_too_short_for_a_group_have_none()
    {
        Assert.Equal(0, ExpectedTokenCount.Groups(0, 16000));
        Assert.Equal(0, ExpectedTokenCount.Groups(320, 16000)); // p06: vq02 tail skipped, vq06 piece dropped
    }

    [SkippableFact]
    public void Vq02_counts_follow_the_length_sweep()
    {
        using var sweep = JsonDocument.Parse(File.ReadAllText(Path.Combine(GoldenFixtures.Root, "length_sweep.json")));
        var columns = sweep.RootElement.GetProperty("columns");
        var lengths = columns.GetProperty("n").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var vq02 = columns.GetProperty("n_vq02").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        for (var i = 0; i < lengths.Length; i += 7)
            Assert.Equal(vq02[i], ExpectedTokenCount.Vq02Codes(lengths[i]));
    }

    private static int ReadCodes(string name, string file) =>
        JsonDocument.Parse(File.ReadAllText(GoldenFixtures.File(name, file))).RootElement.GetArrayLength();
}
