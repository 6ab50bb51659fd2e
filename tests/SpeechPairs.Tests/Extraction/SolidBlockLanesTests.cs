using SpeechPairs.Worker.Extraction;

namespace SpeechPairs.Tests.Extraction;

/// <summary>
/// Which 7-Zip process extracts which solid blocks: whole blocks, balanced by size, and the single pass wherever a
/// name could not be given to 7-Zip exactly.
/// </summary>
public sealed class SolidBlockLanesTests
{
    private static SevenZipListedEntry File(string path, int? block, long size) => new(path, false, false, block, size);

    [SkippableFact]
    public void WholeBlocksGoToTheLightestProcessLargestFirst()
    {
        var wanted = new[]
        {
            File("a/1.wav", 0, 60), File("a/1.lab", 2, 5), File("a/2.wav", 0, 40),
            File("b/1.wav", 1, 60), File("b/1.lab", 2, 5), File("c/1.wav", 3, 50),
        };
        var groups = SolidBlockLanes.Plan(wanted, lanes: 2)!;

        // Blocks of 100, 60, 50 and 10 bytes: 100 + 10 against 60 + 50.
        Assert.Equal(2, groups.Count);
        Assert.Equal(["a/1.wav", "a/2.wav", "a/1.lab", "b/1.lab"], groups[0]);
        Assert.Equal(["b/1.wav", "c/1.wav"], groups[1]);
    }

    [SkippableFact]
    public void NeverMoreProcessesThanBlocks()
    {
        var groups = SolidBlockLanes.Plan([File("x.wav", 0, 9), File("x.lab", 1, 1)], lanes: 8)!;
        Assert.Equal([["x.wav"], ["x.lab"]], groups);
    }

    public static TheoryData<string, string> SinglePassCases => new()
    {
        { "one block", "" },
        { "a name 7-Zip reads as a pattern", "clip*.wav" },
        { "a name with a question mark", "what?.lab" },
        { "a backslash", "back\\slash.wav" },
        { "a trailing blank", "clip.wav " },
        { "a name twice, differing in case", "A/1.WAV" },
        { "an entry without a block", "no block" },
    };

    [SkippableTheory]
    [MemberData(nameof(SinglePassCases))]
    public void TheSinglePassWhereNamesCannotBeListedExactly(string why, string odd)
    {
        var wanted = new List<SevenZipListedEntry> { File("a/1.wav", 0, 10), File("a/1.lab", 1, 1) };
        if (odd == "no block") wanted.Add(File("b/2.wav", null, 10));
        else if (odd.Length > 0) wanted.Add(File(odd, 0, 10));
        else wanted.RemoveAt(1);

        Assert.True(SolidBlockLanes.Plan(wanted, lanes: 2) is null, why);
    }

    [SkippableFact]
    public void OneLaneIsOnePass()
    {
        Assert.Null(SolidBlockLanes.Plan([File("x.wav", 0, 9), File("x.lab", 1, 1)], lanes: 1));
    }

    [SkippableFact]
    public void TheListingGivesEachEntrysBlockAndSize()
    {
        const string listing = """
            Path = voices/1.wav
            Size = 88244
            Packed Size = 41000
            Attributes = A -rw-r--r--
            Block = 0

            Path = voices/1.lab
            Size = 12
            Attributes = A -rw-r--r--
            Block = 1

            Path = voices
            Folder = +
            Size = 0
            """;
        var entries = SevenZipListing.Read(new StringReader(listing)).ToList();

        Assert.Equal(new SevenZipListedEntry("voices/1.wav", false, false, 0, 88244), entries[0]);
        Assert.Equal(new SevenZipListedEntry("voices/1.lab", false, false, 1, 12), entries[1]);
        Assert.Equal(new SevenZipListedEntry("voices", true, false, null, 0), entries[2]);
    }
}
