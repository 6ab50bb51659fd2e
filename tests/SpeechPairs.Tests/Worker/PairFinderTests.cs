using SpeechPairs.Tests.Support;
using SpeechPairs.Worker;

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
}
