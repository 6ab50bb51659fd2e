using SpeechPairs.Contract;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

public sealed class ExtractArchiveTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private (bool Succeeded, RecordingBuildEngine Log, ExtractArchive Task) Extract(string archive, string destination, bool managed)
    {
        var log = new RecordingBuildEngine();
        var task = new ExtractArchive { BuildEngine = log, Archive = archive, Destination = destination, UseManagedExtractor = managed };
        return (task.Execute(), log, task);
    }

    private string PackVaried(string name = "voices.7z")
    {
        string archive = temp[name];
        ClipTree.Pack(archive, ClipTree.Varied, temp.Path);
        return archive;
    }

    private static Dictionary<string, byte[]> FilesUnder(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(path => Path.GetRelativePath(folder, path).Replace('\\', '/'), File.ReadAllBytes);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExtractsExactlyTheWavAndLabFiles(bool managed)
    {
        string archive = PackVaried();
        string sources = temp["sources"];
        ClipTree.Write(sources, ClipTree.Varied);

        var (succeeded, log, task) = Extract(archive, temp["out"], managed);

        Assert.True(succeeded, log.AllText);
        Assert.Contains(managed ? "SharpCompress" : "7-Zip", log.AllText);
        var expected = FilesUnder(sources).Where(f => f.Key.EndsWith(".wav") || f.Key.EndsWith(".lab")).ToDictionary();
        var extracted = FilesUnder(temp["out"]);
        Assert.True(extracted.Remove(".metadata_never_index"), "no Spotlight marker");
        Assert.True(extracted.Remove(ExtractionSentinel.FileName), "no sentinel");
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), extracted.Keys.Order(StringComparer.Ordinal));
        foreach ((string path, byte[] bytes) in expected)
            Assert.True(bytes.AsSpan().SequenceEqual(extracted[path]), $"{path} differs");
        Assert.Equal(expected.Count, task.ExtractedFiles);
        Assert.Equal(Path.Combine(temp["out"], ExtractionSentinel.FileName), task.Sentinel);
    }

    [Fact]
    public void BothExtractorsWriteTheSameTree()
    {
        string archive = PackVaried();
        Assert.True(Extract(archive, temp["7zip"], managed: false).Succeeded);
        Assert.True(Extract(archive, temp["managed"], managed: true).Succeeded);

        var bySevenZip = FilesUnder(temp["7zip"]);
        var byManaged = FilesUnder(temp["managed"]);
        bySevenZip.Remove(ExtractionSentinel.FileName);
        byManaged.Remove(ExtractionSentinel.FileName);
        Assert.Equal(bySevenZip.Keys.Order(StringComparer.Ordinal), byManaged.Keys.Order(StringComparer.Ordinal));
        foreach ((string path, byte[] bytes) in bySevenZip)
            Assert.True(bytes.AsSpan().SequenceEqual(byManaged[path]), $"{path} differs");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UppercaseExtensionsCount(bool managed)
    {
        string staging = temp["upper"];
        Directory.CreateDirectory(Path.Combine(staging, "VO"));
        File.Copy(RepoPaths.FixtureWav("p06_short_0p02s_16k"), Path.Combine(staging, "VO", "SHOUT.WAV"));
        File.WriteAllText(Path.Combine(staging, "VO", "SHOUT.LAB"), "啊！");
        SevenZip.CreateSolid(staging, temp["upper.7z"]);

        var (succeeded, log, task) = Extract(temp["upper.7z"], temp["out"], managed);

        Assert.True(succeeded, log.AllText);
        Assert.Equal(2, task.ExtractedFiles);
        Assert.True(File.Exists(Path.Combine(temp["out"], "VO", "SHOUT.WAV")));
    }

    public static TheoryData<bool, bool> ExtractorAndEscape => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(ExtractorAndEscape))]
    public void EntriesThatWouldEscapeTheFolderAreRefused(bool managed, bool absolute)
    {
        string outside = temp["escaped.wav"];
        string evilName = absolute ? outside.Replace('\\', '/') : "../escaped.wav";
        UnsafeArchive.Create(temp["unsafe.7z"], evilName, temp.Path);
        string destination = Path.Combine(temp["nested"], "out");

        var (succeeded, log, _) = Extract(temp["unsafe.7z"], destination, managed);

        Assert.False(succeeded);
        string error = Assert.Single(log.Errors);
        Assert.Contains(temp["unsafe.7z"], error);
        Assert.Contains(evilName, error);
        Assert.False(File.Exists(outside));
        Assert.False(File.Exists(Path.Combine(temp["nested"], "escaped.wav")));
        Assert.False(File.Exists(Path.Combine(destination, ExtractionSentinel.FileName)));
    }

    public static TheoryData<bool, string> ExtractorAndDamage => new()
    {
        { false, "truncated" }, { true, "truncated" }, { false, "garbage" }, { true, "garbage" }, { false, "flipped" }, { true, "flipped" },
    };

    [Theory]
    [MemberData(nameof(ExtractorAndDamage))]
    public void DamagedArchiveFailsNamingTheArchive(bool managed, string damage)
    {
        byte[] good = File.ReadAllBytes(PackVaried());
        byte[] bad = damage switch
        {
            "truncated" => good[..(good.Length / 2)],
            "garbage" => "this is not an archive"u8.ToArray(),
            _ => FlipPackedBytes(good),
        };
        string archive = temp["damaged 损坏.7z"];
        File.WriteAllBytes(archive, bad);

        var (succeeded, log, _) = Extract(archive, temp["out"], managed);

        Assert.False(succeeded);
        Assert.Contains(log.Errors, e => e.Contains(archive));
        Assert.False(File.Exists(Path.Combine(temp["out"], ExtractionSentinel.FileName)));
    }

    // Corrupts compressed data in the middle, leaving the headers (at the end of a 7z file) intact.
    private static byte[] FlipPackedBytes(byte[] archive)
    {
        byte[] copy = (byte[])archive.Clone();
        for (int i = copy.Length / 3; i < copy.Length / 3 + 64; i++)
            copy[i] ^= 0x5A;
        return copy;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MissingArchiveFailsNamingTheArchive(bool managed)
    {
        string archive = temp["nowhere.7z"];
        var (succeeded, log, _) = Extract(archive, temp["out"], managed);
        Assert.False(succeeded);
        Assert.Contains(archive, Assert.Single(log.Errors));
    }

    [Fact]
    public void ArchiveWithoutClipsFails()
    {
        string staging = temp["no clips"];
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "notes.txt"), "nothing to see");
        SevenZip.CreateSolid(staging, temp["empty.7z"]);

        var (succeeded, log, _) = Extract(temp["empty.7z"], temp["out"], managed: false);

        Assert.False(succeeded);
        Assert.Contains("No .wav or .lab files", Assert.Single(log.Errors));
    }

    [Fact]
    public void AnUnchangedArchiveIsNotExtractedAgain()
    {
        string archive = PackVaried();
        string destination = temp["out"];
        Assert.True(Extract(archive, destination, managed: false).Succeeded);
        string clip = Path.Combine(destination, ClipTree.Varied[0].RelativeWav);
        File.Delete(clip);

        var (succeeded, log, task) = Extract(archive, destination, managed: false);
        Assert.True(succeeded);
        Assert.Contains("already extracted", log.AllText);
        Assert.False(File.Exists(clip));
        Assert.True(task.ExtractedFiles > 0);

        // Same bytes, new modification time: the sentinel no longer matches.
        File.SetLastWriteTimeUtc(archive, DateTime.UtcNow.AddMinutes(1));
        Assert.True(Extract(archive, destination, managed: false).Succeeded);
        Assert.True(File.Exists(clip));
    }

    [Fact]
    public void ADifferentArchiveReplacesTheOldFiles()
    {
        string destination = temp["out"];
        Assert.True(Extract(PackVaried(), destination, managed: false).Succeeded);

        string other = temp["other.7z"];
        ClipTree.Pack(other, ClipTree.Many(2), temp.Path);
        var (succeeded, log, task) = Extract(other, destination, managed: true);

        Assert.True(succeeded, log.AllText);
        Assert.Equal(4, task.ExtractedFiles);
        Assert.False(File.Exists(Path.Combine(destination, ClipTree.Varied[0].RelativeWav)));
        Assert.True(File.Exists(Path.Combine(destination, ".metadata_never_index")));
    }
}
