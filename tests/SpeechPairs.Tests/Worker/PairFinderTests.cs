using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Pairs;
using static SpeechPairs.Tests.Support.MacNames;

namespace SpeechPairs.Tests.Worker;

public sealed class PairFinderTests
{
    private static void Touch(string root, params string[] relativePaths)
    {
        foreach (var relative in relativePaths)
            TestArchive.WriteFile(root, relative, [1]);
    }

    [SkippableFact]
    public void Pairs_same_stem_in_same_folder_with_unicode_names_and_spaces()
    {
        using var temp = new TempDir();
        Touch(temp.Path, "中文 - Chinese/派蒙/vo 001 你好.wav", "中文 - Chinese/派蒙/vo 001 你好.lab");
        var scan = PairFinder.Find(temp.Path, excludePlaceholder: false);
        var pair = Assert.Single(scan.Pairs);
        Assert.Equal("中文 - Chinese/派蒙/vo 001 你好", pair.Id);
        Assert.Equal("中文 - Chinese/派蒙/vo 001 你好.wav", pair.RelWav);
        Assert.Equal("中文 - Chinese/派蒙/vo 001 你好.lab", pair.RelLab);
        Assert.True(File.Exists(pair.WavPath));
        Assert.True(File.Exists(pair.LabPath));
    }

    [SkippableFact]
    public void Extensions_match_case_insensitively_and_keep_their_case_in_paths()
    {
        using var temp = new TempDir();
        Touch(temp.Path, "a/x.WAV", "a/x.Lab", "a/y.wav", "a/y.LAB");
        var scan = PairFinder.Find(temp.Path, false);
        Assert.Equal(["a/x.WAV", "a/y.wav"], scan.Pairs.Select(p => p.RelWav));
        Assert.Equal(["a/x.Lab", "a/y.LAB"], scan.Pairs.Select(p => p.RelLab));
        Assert.Equal(["a/x", "a/y"], scan.Pairs.Select(p => p.Id));
    }

    [SkippableFact]
    public void Unpaired_files_are_counted_and_a_transcript_elsewhere_does_not_pair()
    {
        using var temp = new TempDir();
        Touch(temp.Path, "a/only.wav", "a/moved.wav", "b/moved.lab", "b/orphan.lab", "c/p.wav", "c/p.lab", "c/notes.txt", "c/p.wav.bak");
        var scan = PairFinder.Find(temp.Path, false);
        Assert.Equal(["c/p"], scan.Pairs.Select(p => p.Id));
        Assert.Equal(2, scan.UnpairedWav);
        Assert.Equal(2, scan.UnpairedLab);
    }

    [SkippableFact]
    public void Stems_are_case_sensitive()
    {
        using var temp = new TempDir();
        Touch(temp.Path, "Vo.wav", "vo.lab");
        var scan = PairFinder.Find(temp.Path, false);
        if (File.Exists(Path.Combine(temp.Path, "VO.LAB")))
            return; // case-insensitive file system: the two names are one file's
        Assert.Empty(scan.Pairs);
        Assert.Equal((1, 1), (scan.UnpairedWav, scan.UnpairedLab));
    }

    [SkippableFact]
    public void Placeholder_folder_is_dropped_only_when_asked()
    {
        using var temp = new TempDir();
        Touch(temp.Path,
            "中文 - Chinese/带变量语音 - Placeholder/a.wav", "中文 - Chinese/带变量语音 - Placeholder/a.lab",
            "带变量语音 - Placeholder/deep/b.wav", "带变量语音 - Placeholder/deep/b.lab",
            "带变量语音 - Placeholder/unpaired.wav",
            "中文 - Chinese/带变量语音 - Placeholder.wav", "中文 - Chinese/带变量语音 - Placeholder.lab",
            "中文 - Chinese/带变量语音 - Placeholder 2/c.wav", "中文 - Chinese/带变量语音 - Placeholder 2/c.lab");
        var all = PairFinder.Find(temp.Path, excludePlaceholder: false);
        Assert.Equal(4, all.Pairs.Count);
        Assert.Equal(0, all.PlaceholderPairsExcluded);
        Assert.Equal(1, all.UnpairedWav);

        var kept = PairFinder.Find(temp.Path, excludePlaceholder: true);
        // Ordinal by rel_wav: ' ' sorts before '.'.
        Assert.Equal(["中文 - Chinese/带变量语音 - Placeholder 2/c", "中文 - Chinese/带变量语音 - Placeholder"], kept.Pairs.Select(p => p.Id));
        Assert.Equal(2, kept.PlaceholderPairsExcluded);
        Assert.Equal(0, kept.UnpairedWav);
    }

    [SkippableFact]
    public void Pairs_are_sorted_by_ordinal_relative_wav_path()
    {
        using var temp = new TempDir();
        string[] stems = ["b/x", "a b/x", "a/x", "a/x y", "a/X", "中/x", "a/é", "Z"];
        foreach (var stem in stems)
            Touch(temp.Path, stem + ".wav", stem + ".lab");
        var scan = PairFinder.Find(temp.Path, false);
        var expected = stems.Select(s => s + ".wav").ToList();
        expected.Sort(string.CompareOrdinal);
        Assert.Equal(expected, scan.Pairs.Select(p => p.RelWav));
    }

    [SkippableFact]
    public void Hidden_files_and_folders_are_walked_too()
    {
        using var temp = new TempDir();
        Touch(temp.Path, ".hidden/.x.wav", ".hidden/.x.lab");
        Assert.Equal([".hidden/.x"], PairFinder.Find(temp.Path, false).Pairs.Select(p => p.Id));
    }

    [SkippableFact]
    public void An_NFD_wav_pairs_with_its_NFC_transcript_keeping_its_spelling_under_an_NFC_id()
    {
        using var temp = new TempDir();
        MacNames.SkipUnlessNamesAreBytes(temp.Path);
        // The name and, separately, the folder spelled NFD on one side only.
        Touch(temp.Path, Nfd("Français/café") + ".wav", "Français/café.lab", Nfd("Émotions") + "/joie.wav", "Émotions/joie.lab");

        var scan = PairFinder.Find(temp.Path, false);

        Assert.Equal(["Français/café", "Émotions/joie"], scan.Pairs.Select(p => p.Id).Order(StringComparer.Ordinal)); // ordinal: É is U+00C9
        var cafe = scan.Pairs.Single(p => p.Id == "Français/café");
        Assert.Equal(Nfd("Français/café") + ".wav", cafe.RelWav);
        Assert.Equal("Français/café.lab", cafe.RelLab);
        Assert.Equal(Nfd("Émotions") + "/joie.wav", scan.Pairs.Single(p => p.Id == "Émotions/joie").RelWav);
        Assert.All(scan.Pairs, p => Assert.True(File.Exists(p.WavPath) && File.Exists(p.LabPath), p.RelWav));
        Assert.Equal((0, 0), (scan.UnpairedWav, scan.UnpairedLab));
    }

    [SkippableFact]
    public void Pairs_are_ordered_by_the_archive_spelling_of_rel_wav_not_by_the_NFC_id()
    {
        using var temp = new TempDir();
        MacNames.SkipUnlessNamesAreBytes(temp.Path);
        // NFD "cafe\u0301" sorts before "cafg"; its NFC id "café" (U+00E9) sorts after it.
        Touch(temp.Path, Nfd("a/café") + ".wav", "a/café.lab", "a/cafg.wav", "a/cafg.lab");

        var scan = PairFinder.Find(temp.Path, false);

        Assert.Equal([Nfd("a/café") + ".wav", "a/cafg.wav"], scan.Pairs.Select(p => p.RelWav));
        Assert.Equal(["a/café", "a/cafg"], scan.Pairs.Select(p => p.Id));
    }

    [SkippableFact]
    public void NFC_and_NFD_twins_are_refused_and_each_names_the_other()
    {
        using var temp = new TempDir();
        MacNames.SkipUnlessNamesAreBytes(temp.Path);
        Touch(temp.Path, "a/café.wav", "a/café.lab", Nfd("a/café") + ".wav", Nfd("a/café") + ".lab", "a/thé.wav", "a/thé.lab");

        var scan = PairFinder.Find(temp.Path, false);

        Assert.Equal([Nfd("a/café") + ".wav", "a/café.wav", "a/thé.wav"], scan.Pairs.Select(p => p.RelWav));
        var (nfd, nfc, other) = (scan.Pairs[0], scan.Pairs[1], scan.Pairs[2]);
        // Each keeps the stem it is spelled with as its id, so each error line names one pair.
        Assert.Equal((Nfd("a/café"), "a/café"), (nfd.Id, nfc.Id));
        Assert.Equal($"id collision: same NFC id as a/café.wav (NFC); this name is NFD", nfd.Error);
        Assert.Equal($"id collision: same NFC id as {Nfd("a/café")}.wav (NFD); this name is NFC", nfc.Error);
        Assert.Null(other.Error);
        Assert.Equal(2, scan.IdCollisions);
        Assert.Empty(scan.Unpaired);
    }

    [SkippableFact]
    public void Unpaired_files_are_listed_by_name_and_ambiguous_spellings_pair_nothing()
    {
        using var temp = new TempDir();
        MacNames.SkipUnlessNamesAreBytes(temp.Path);
        var mixed = "b/e\u0301té"; // the first accent decomposed, the second not
        Touch(temp.Path,
            "a/café.wav", "a/café.lab", Nfd("a/café") + ".wav", // the same spelling pairs; the NFD one is left over
            Nfd("b/été") + ".wav", mixed + ".wav", "b/été.lab", // two WAV spellings for one transcript: no guess
            "c/only.wav", "c/orphan.lab");

        var scan = PairFinder.Find(temp.Path, false);

        var pair = Assert.Single(scan.Pairs);
        Assert.Equal(("a/café", "a/café.wav", null), (pair.Id, pair.RelWav, pair.Error));
        var expected = new List<string> { Nfd("a/café") + ".wav", Nfd("b/été") + ".wav", mixed + ".wav", "b/été.lab", "c/only.wav", "c/orphan.lab" };
        expected.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, scan.Unpaired);
        Assert.Equal((4, 2), (scan.UnpairedWav, scan.UnpairedLab));
        Assert.Equal("b/e\u0301té.wav (mixed)", PairFinder.Spelled(mixed + ".wav"));
        Assert.Equal("c/only.wav", PairFinder.Spelled("c/only.wav"));
    }
}
