using System.Text;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Verify;
using static SpeechPairs.Tests.Support.MacNames;

namespace SpeechPairs.Tests.Verify;

/// <summary>verify over an archive edited on a Mac: an NFD WAV paired with its NFC transcript, and refused NFC/NFD twins.</summary>
public sealed class MacNameVerifyTests
{
    private static VerifyWorld World()
    {
        using (var probe = new TempDir())
            MacNames.SkipUnlessNamesAreBytes(probe.Path);
        return new VerifyWorld(moreFiles: root =>
        {
            TestWav.Write(TestArchive.PathOf(root, $"fr/{Nfd("café")}.wav"), 0.5, seed: 11);
            TestArchive.WriteFile(root, "fr/café.lab", Encoding.UTF8.GetBytes("Un café."));
            TestArchive.WritePair(root, "fr/thé", 0.5, "Du thé.", seed: 12);
            TestArchive.WritePair(root, $"fr/{Nfd("thé")}", 0.6, "Encore du thé.", seed: 13);
        });
    }

    [SkippableFact]
    public void The_NFD_pair_and_the_refused_twins_are_all_accounted_for()
    {
        using var world = World();
        var result = world.Verify();

        Assert.True(result.Verified, result.Problems.Describe());
        Assert.Equal(15 + 3, result.Pairs); // VerifyWorld's own, café, the two twins
        Assert.Equal(13 + 1, result.Records);
        Assert.Equal(1 + 2, result.Errors);
        Assert.Equal((1, 0), (result.UnpairedWav, result.UnpairedLab)); // VerifyWorld's orphan only
        Assert.Contains(world.RecordLines, l => VerifyWorld.MergedRecordOf(l) is { Id: "fr/café" } r && r.RelWav == $"fr/{Nfd("café")}.wav");
    }

    [SkippableFact]
    public void A_record_for_a_refused_twin_is_reported()
    {
        using var world = World();
        var twin = PairFinder.Find(world.ExtractDir, excludePlaceholder: true).Pairs.Single(p => p.RelWav == "fr/thé.wav");
        world.ErrorLines.RemoveAll(l => l.Contains("\"rel_wav\":\"fr/thé.wav\"", StringComparison.Ordinal));
        var header = WavReader.ReadInfo(twin.WavPath);
        var record = twin.Record("Du thé.", VerifyWorld.FakeTokens(ExpectedTokenCount.Groups(header.Frames, header.SampleRate)!.Value), header.SampleRate).ToLine();
        var at = world.RecordLines.FindIndex(l => string.CompareOrdinal(VerifyWorld.MergedRecordOf(l).RelWav, twin.RelWav) > 0);
        world.RecordLines.Insert(at < 0 ? world.RecordLines.Count : at, record);
        world.WriteMerged();

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(new Dictionary<string, long> { [VerifyProblems.IdCollision] = 1 }, problems.Counts);
        Assert.Contains("a record, but the pair is refused (id collision: same NFC id as", problems.ExamplesOf(VerifyProblems.IdCollision)[0]);
    }

    [SkippableFact]
    public void A_refused_twin_with_another_error_and_a_collision_error_on_a_good_pair_are_reported()
    {
        using var world = World();
        var twin = world.ErrorLines.FindIndex(l => l.Contains("\"rel_wav\":\"fr/thé.wav\"", StringComparison.Ordinal));
        world.ErrorLines[twin] = world.ErrorLines[twin].Replace("\"error\":\"id collision:", "\"error\":\"wav:", StringComparison.Ordinal);
        var broken = world.ErrorLines.FindIndex(l => l.Contains("\"error\":\"wav:", StringComparison.Ordinal) && l.Contains("Broken/corrupt", StringComparison.Ordinal));
        world.ErrorLines[broken] = world.ErrorLines[broken].Replace("\"error\":\"wav:", "\"error\":\"id collision:", StringComparison.Ordinal);
        world.WriteMerged();

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(new Dictionary<string, long> { [VerifyProblems.IdCollision] = 2 }, problems.Counts);
    }
}
