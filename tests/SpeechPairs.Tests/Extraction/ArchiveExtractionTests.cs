using System.Diagnostics;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Extraction;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Tests.Extraction;

/// <summary>Extraction with both extractors on the same archives (the worker's <c>extract</c> command, in process).</summary>
public sealed class ArchiveExtractionTests : IDisposable
{
    private readonly TempDir temp = new();
    private readonly List<string> log = [];

    public void Dispose() => temp.Dispose();

    public static TheoryData<bool> Extractors => new() { false, true };

    // Format names, not the internal enum: theory parameters of a public test must be public types.
    public static TheoryData<bool, string> ExtractorsAndFormats()
    {
        var data = new TheoryData<bool, string>();
        foreach (bool managed in new[] { false, true })
            foreach (ArchiveFormat format in TestArchives.Formats)
                data.Add(managed, format.ToString());
        return data;
    }

    private string Dest => temp.Combine("extract");

    private ExtractionSentinel Extract(string archive, bool managed, string? destination = null) =>
        new ArchiveExtraction(log.Add, ParentProcessWatcher.IsProcessAlive)
            .Run(new ExtractionRequest(archive, destination ?? Dest, managed), CancellationToken.None);

    private WorkerFailureException ExtractFails(string archive, bool managed, string? destination = null) =>
        Assert.Throws<WorkerFailureException>(() => Extract(archive, managed, destination));

    private string PackClips(string name, ArchiveFormat format, int pairs = 3, string prefix = "中文 - Chinese/角色")
    {
        string staging = temp.Combine("staging-" + name);
        TestArchives.WriteClips(staging, pairs, prefix);
        string archive = temp.Combine(name);
        TestArchives.Pack(staging, archive, format);
        return archive;
    }

    /// <summary>Names beside the folder that start with its name and a dot: staging folders, 7-Zip list files.</summary>
    private static List<string> Siblings(string folder) =>
        Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(folder)!)
            .Select(path => Path.GetFileName(path))
            .Where(name => name.StartsWith(Path.GetFileName(folder) + ".", StringComparison.Ordinal))
            .ToList();

    [SkippableTheory]
    [MemberData(nameof(ExtractorsAndFormats))]
    public void ExtractsExactlyTheWavAndLabFilesOfEveryFormat(bool managed, string formatName)
    {
        var format = Enum.Parse<ArchiveFormat>(formatName);
        string staging = temp.Combine("staging");
        List<string> expected = TestArchives.WriteClips(staging, 4);
        string archive = temp.Combine("voices.archive");
        TestArchives.Pack(staging, archive, format);

        ExtractionSentinel sentinel = Extract(archive, managed);

        var tree = TestArchives.Tree(Dest);
        Assert.Equal(expected.Order(StringComparer.Ordinal), tree.Keys);
        foreach (string path in expected)
            Assert.Equal(File.ReadAllBytes(TestArchive.PathOf(staging, path)), tree[path]);
        Assert.Equal(8, sentinel.Files);
        Assert.Contains(managed ? "SharpCompress" : "7-Zip", sentinel.Extractor);
        Assert.True(File.Exists(Path.Combine(Dest, ".metadata_never_index")));
        Assert.Equal(sentinel, ExtractionSentinel.TryRead(Path.Combine(Dest, ExtractionSentinel.FileName)));
        Assert.Empty(Siblings(Dest)); // no staging folder or list file left beside it
    }

    [SkippableFact]
    public void SevenZipExtractsSolidBlocksSideBySideToTheSameTree()
    {
        Skip.If(Environment.ProcessorCount < 2, "one core: one 7-Zip process");
        string staging = temp.Combine("staging");
        List<string> expected = TestArchives.WriteClips(staging, 9);
        string archive = temp.Combine("blocks.7z");
        TestArchives.Pack(staging, archive, ArchiveFormat.SevenZip, "-ms=3f"); // a new solid block every three files

        ExtractionSentinel sentinel = Extract(archive, managed: false);

        Assert.Contains(log, l => l.Contains("solid blocks in 2 7-Zip processes side by side"));
        var tree = TestArchives.Tree(Dest);
        Assert.Equal(expected.Order(StringComparer.Ordinal), tree.Keys);
        foreach (string path in expected)
            Assert.Equal(File.ReadAllBytes(TestArchive.PathOf(staging, path)), tree[path]);
        Assert.Equal(18, sentinel.Files);
        Assert.Empty(Siblings(Dest)); // the include lists are gone too
    }

    [SkippableFact]
    public void ADamagedBlockStopsTheOtherProcessesAndLeavesNothing()
    {
        Skip.If(Environment.ProcessorCount < 2, "one core: one 7-Zip process");
        string staging = temp.Combine("staging");
        TestArchives.WriteClips(staging, 9);
        string good = temp.Combine("blocks.7z");
        TestArchives.Pack(staging, good, ArchiveFormat.SevenZip, "-ms=3f");
        string archive = temp.Combine("damaged blocks.7z");
        File.WriteAllBytes(archive, FlipPackedBytes(File.ReadAllBytes(good)));

        Assert.Contains(archive, ExtractFails(archive, managed: false).Message);
        Assert.Contains(log, l => l.Contains("side by side"));
        Assert.False(Directory.Exists(Dest));
        Assert.Empty(Siblings(Dest));
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void FormatIsJudgedByContentNotByName(bool managed)
    {
        string zipNamed7z = PackClips("really-a-zip.7z", ArchiveFormat.Zip, pairs: 2);
        Assert.Equal(4, Extract(zipNamed7z, managed).Files);

        string tarGzNamedZip = PackClips("really-a-tgz.zip", ArchiveFormat.TarGzip, pairs: 3);
        Assert.Equal(6, Extract(tarGzNamedZip, managed, temp.Combine("second")).Files);

        File.WriteAllText(temp.Combine("text.7z"), "not an archive at all");
        Assert.Contains("not a 7z, zip, tar or tar.gz", ExtractFails(temp.Combine("text.7z"), managed).Message);
    }

    [SkippableFact]
    public void BothExtractorsWriteTheSameTreeForAwkwardNames()
    {
        string staging = temp.Combine("staging");
        TestArchives.WriteClips(staging, 2);
        TestArchive.WriteFile(staging, "VO/SHOUT.WAV", TestArchives.Wav(7));
        TestArchive.WriteFile(staging, "VO/SHOUT.LAB", "啊！"u8.ToArray());
        string longName = new string('长', 100) + ".lab"; // 304 bytes in UTF-8: more than a file name may have
        TestArchive.WriteFile(staging, "VO/back\\slash.wav", TestArchives.Wav(8));
        TestArchive.WriteFile(staging, "VO/back\\slash.lab", "反斜杠"u8.ToArray());

        foreach (ArchiveFormat format in TestArchives.Formats)
        {
            string archive = temp.Combine($"awkward.{format}");
            TestArchives.Pack(staging, archive, format);
            if (format is ArchiveFormat.Tar or ArchiveFormat.TarGzip)
            {
                // A folder cannot hold the too-long name, so the tar gets it appended after the folder's files.
                string plain = temp.Combine("plain.tar");
                TestArchives.Pack(staging, plain, ArchiveFormat.Tar);
                using (var reader = new System.Formats.Tar.TarReader(File.OpenRead(plain)))
                {
                    var entries = new List<System.Formats.Tar.TarEntry>();
                    while (reader.GetNextEntry(copyData: true) is { } entry)
                        entries.Add(entry);
                    entries.Add(TestArchives.TarFile("VO/" + longName, "太长"u8.ToArray()));
                    TestArchives.WriteTar(archive, format == ArchiveFormat.TarGzip, entries);
                }
                File.Delete(plain);
            }

            string bySevenZip = temp.Combine($"7zz-{format}"), byManaged = temp.Combine($"managed-{format}");
            Extract(archive, managed: false, bySevenZip);
            Extract(archive, managed: true, byManaged);

            var expected = TestArchives.Tree(bySevenZip);
            Assert.Equal(expected.Keys, TestArchives.Tree(byManaged).Keys);
            foreach ((string path, byte[] bytes) in expected)
                Assert.Equal(bytes, TestArchives.Tree(byManaged)[path]);
            Assert.Contains("VO/SHOUT.WAV", expected.Keys);
            if (!OperatingSystem.IsWindows())
                Assert.Contains("VO/back\\slash.wav", expected.Keys); // the literal backslash, as PairFinder reads it
            Assert.DoesNotContain(expected.Keys, k => k.Contains(longName));
        }
        Assert.Contains(log, l => l.Contains("skipped 1 entr(ies)") && l.Contains("longer than 255 bytes"));
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void LinksInATarAreNeverMaterialisedOrFollowed(bool managed)
    {
        Directory.CreateDirectory(temp.Combine("outside"));
        File.WriteAllText(temp.Combine("outside", "secret.txt"), "secret");
        foreach (bool gzip in new[] { false, true })
        {
            string archive = temp.Combine($"links-{gzip}.tar");
            TestArchives.WriteTar(archive, gzip,
            [
                TestArchives.TarFile("d/a.wav", TestArchives.Wav(1)),
                TestArchives.TarLink("d/a.lab", "../../../../outside/secret.txt"),
                TestArchives.TarFile("d/b.wav", TestArchives.Wav(2)),
                TestArchives.TarFile("d/b.lab", "b"u8.ToArray()),
                TestArchives.TarLink("d/c.lab", "d/b.lab", hard: true),
                TestArchives.TarLink("d/c.wav", "/etc/passwd"),
            ]);
            string destination = temp.Combine($"out-{gzip}");

            ExtractionSentinel sentinel = Extract(archive, managed, destination);

            Assert.Equal(["d/a.wav", "d/b.lab", "d/b.wav"], TestArchives.Tree(destination).Keys);
            Assert.Equal(3, sentinel.Files);
            Assert.Contains(log, l => l.StartsWith("warning: skipped 3 symbolic or hard link(s)") && l.Contains("'d/a.lab'"));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void LinksInAZipOrA7zAreNeverMaterialised(bool managed)
    {
        string zip = temp.Combine("links.zip");
        TestArchives.WriteZip(zip,
        [
            ("d/a.wav", TestArchives.Wav(1), false),
            ("d/a.lab", "../../../../outside/secret.txt"u8.ToArray(), true),
            ("d/b.wav", TestArchives.Wav(2), false),
            ("d/b.lab", "b"u8.ToArray(), false),
        ]);
        Extract(zip, managed, temp.Combine("from-zip"));
        Assert.Equal(["d/a.wav", "d/b.lab", "d/b.wav"], TestArchives.Tree(temp.Combine("from-zip")).Keys);

        string staging = temp.Combine("staging");
        TestArchive.WriteFile(staging, "d/b.wav", TestArchives.Wav(2));
        TestArchive.WriteFile(staging, "d/b.lab", "b"u8.ToArray());
        File.CreateSymbolicLink(Path.Combine(staging, "d", "a.lab"), "../../../../outside/secret.txt");
        string sevenZip = temp.Combine("links.7z");
        TestArchives.Pack(staging, sevenZip, ArchiveFormat.SevenZip); // -snl: the link is stored as a link
        Extract(sevenZip, managed, temp.Combine("from-7z"));
        Assert.Equal(["d/b.lab", "d/b.wav"], TestArchives.Tree(temp.Combine("from-7z")).Keys);
        Assert.Equal(2, log.Count(l => l.StartsWith("warning: skipped 1 symbolic or hard link(s)")));
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void AFailedExtractionLeavesNothingThatALaterRunCouldTakeForData(bool managed)
    {
        // A tar cut short after its first members: both extractors write those, then fail.
        string full = PackClips("a.tar", ArchiveFormat.Tar, pairs: 6, prefix: "A");
        byte[] bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(temp.Combine("a-cut.tar"), bytes[..(bytes.Length * 2 / 3 / 512 * 512 + 100)]);

        ExtractFails(temp.Combine("a-cut.tar"), managed);
        Assert.False(Directory.Exists(Dest));
        Assert.Empty(Siblings(Dest));

        string other = PackClips("b.7z", ArchiveFormat.SevenZip, pairs: 2, prefix: "B");
        Assert.Equal(4, Extract(other, managed).Files);
        Assert.All(TestArchives.Tree(Dest).Keys, path => Assert.StartsWith("B ", path));
        Assert.Equal(4, TestArchives.Tree(Dest).Count);
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void AFailedReplacementKeepsThePreviousExtraction(bool managed)
    {
        string good = PackClips("good.7z", ArchiveFormat.SevenZip, pairs: 2);
        Extract(good, managed);
        var before = TestArchives.Tree(Dest);
        string sentinel = File.ReadAllText(Path.Combine(Dest, ExtractionSentinel.FileName));

        File.WriteAllBytes(temp.Combine("bad.7z"), File.ReadAllBytes(good)[..100]);
        ExtractFails(temp.Combine("bad.7z"), managed);

        Assert.Equal(before.Keys, TestArchives.Tree(Dest).Keys);
        Assert.Equal(sentinel, File.ReadAllText(Path.Combine(Dest, ExtractionSentinel.FileName)));
        Assert.Empty(Siblings(Dest));
    }

    [SkippableFact]
    public void StagingLeftByDeadRunsIsRemovedAndAConcurrentRunsIsKept()
    {
        using Process exited = Process.Start(new ProcessStartInfo("sh", "-c true"))!;
        exited.WaitForExit();
        using Process alive = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            string dead = $"{Dest}.partial-{exited.Id}", deadOld = dead + "-old", deadList = dead + ".exclude.txt";
            string concurrent = $"{Dest}.partial-{alive.Id}";
            foreach (string folder in new[] { dead, deadOld, concurrent })
                TestArchive.WriteFile(folder, "x/left.wav", TestArchives.Wav(3));
            File.WriteAllText(deadList, "x");

            Extract(PackClips("v.7z", ArchiveFormat.SevenZip, pairs: 1), managed: false);

            Assert.False(Directory.Exists(dead));
            Assert.False(Directory.Exists(deadOld));
            Assert.False(File.Exists(deadList));
            Assert.True(Directory.Exists(concurrent));
            Assert.DoesNotContain("x/left.wav", TestArchives.Tree(Dest).Keys);
        }
        finally
        {
            alive.Kill();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void FilesThePipelineDidNotExtractAreNeverDeleted(bool managed)
    {
        TestArchive.WriteFile(Dest, "my notes.txt", "mine"u8.ToArray());
        string archive = PackClips("v.7z", ArchiveFormat.SevenZip, pairs: 1);

        WorkerFailureException refused = ExtractFails(archive, managed);

        Assert.Contains(Dest, refused.Message);
        Assert.Contains(ExtractionSentinel.FileName, refused.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(Dest, "my notes.txt")));
        Assert.Single(Directory.EnumerateFileSystemEntries(Dest));
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void AnEmptyFolderOrThePipelinesOwnIsReplaced(bool managed)
    {
        Directory.CreateDirectory(Dest);
        Extract(PackClips("first.7z", ArchiveFormat.SevenZip, pairs: 2, prefix: "A"), managed);

        Assert.Equal(2, Extract(PackClips("second.zip", ArchiveFormat.Zip, pairs: 1, prefix: "B"), managed).Files);

        Assert.All(TestArchives.Tree(Dest).Keys, path => Assert.StartsWith("B ", path));
        Assert.Contains(log, l => l.Contains("replacing the old extraction"));
        Assert.Empty(Siblings(Dest));
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void AnArchiveWithoutPairsFailsWithTheCounts(bool managed)
    {
        string staging = temp.Combine("staging");
        TestArchive.WriteFile(staging, "a/one.wav", TestArchives.Wav(1));
        TestArchive.WriteFile(staging, "a/two.wav", TestArchives.Wav(2));
        TestArchive.WriteFile(staging, "b/three.lab", "三"u8.ToArray());
        TestArchive.WriteFile(staging, "readme.txt", "no pairs here"u8.ToArray());
        string archive = temp.Combine("unpaired.7z");
        TestArchives.Pack(staging, archive, ArchiveFormat.SevenZip);

        string message = ExtractFails(archive, managed).Message;

        Assert.Contains("no .wav/.lab pairs", message);
        Assert.Contains("wav 2, lab 1, pairs 0", message);
        Assert.Contains(archive, message);
        Assert.False(Directory.Exists(Dest));
    }

    [SkippableTheory]
    [MemberData(nameof(Extractors))]
    public void AnUnchangedArchiveIsNotExtractedAgain(bool managed)
    {
        string archive = PackClips("v.7z", ArchiveFormat.SevenZip, pairs: 2);
        Extract(archive, managed);
        string clip = Path.Combine(Dest, TestArchives.Tree(Dest).Keys.First());
        File.Delete(clip);

        Assert.Equal(4, Extract(archive, managed).Files);
        Assert.Contains(log, l => l.Contains("already extracted"));
        Assert.False(File.Exists(clip));

        // Same bytes, new modification time: the sentinel no longer matches.
        File.SetLastWriteTimeUtc(archive, DateTime.UtcNow.AddMinutes(1));
        Extract(archive, managed);
        Assert.True(File.Exists(clip));
    }

    public static TheoryData<bool, bool> ExtractorAndEscape => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [SkippableTheory]
    [MemberData(nameof(ExtractorAndEscape))]
    public void EntriesThatWouldEscapeTheFolderAreRefused(bool managed, bool absolute)
    {
        string outside = temp.Combine("escaped.wav");
        string evilName = absolute ? outside.Replace('\\', '/') : "../escaped.wav";
        UnsafeArchive.Create(temp.Combine("unsafe.7z"), evilName, temp.Path);
        string destination = Path.Combine(temp.Combine("nested"), "out");

        string message = ExtractFails(temp.Combine("unsafe.7z"), managed, destination).Message;

        Assert.Contains(temp.Combine("unsafe.7z"), message);
        Assert.Contains(evilName, message);
        Assert.False(File.Exists(outside));
        Assert.False(File.Exists(Path.Combine(temp.Combine("nested"), "escaped.wav")));
        Assert.False(Directory.Exists(destination));
    }

    public static TheoryData<bool, string> ExtractorAndDamage => new()
    {
        { false, "truncated" }, { true, "truncated" }, { false, "garbage" }, { true, "garbage" }, { false, "flipped" }, { true, "flipped" },
    };

    [SkippableTheory]
    [MemberData(nameof(ExtractorAndDamage))]
    public void DamagedArchiveFailsNamingTheArchive(bool managed, string damage)
    {
        byte[] good = File.ReadAllBytes(PackClips("good.7z", ArchiveFormat.SevenZip, pairs: 8));
        byte[] bad = damage switch
        {
            "truncated" => good[..(good.Length / 2)],
            "garbage" => "this is not an archive"u8.ToArray(),
            _ => FlipPackedBytes(good),
        };
        string archive = temp.Combine("damaged 损坏.7z");
        File.WriteAllBytes(archive, bad);

        Assert.Contains(archive, ExtractFails(archive, managed).Message);
        Assert.False(Directory.Exists(Dest));
    }

    // Corrupts compressed data in the middle, leaving the headers (at the end of a 7z file) intact.
    private static byte[] FlipPackedBytes(byte[] archive)
    {
        byte[] copy = (byte[])archive.Clone();
        for (int i = copy.Length / 3; i < copy.Length / 3 + 64; i++)
            copy[i] ^= 0x5A;
        return copy;
    }

    [SkippableFact]
    public void AMissingArchiveFailsNamingIt()
    {
        string archive = temp.Combine("nowhere.7z");
        Assert.Contains(archive, ExtractFails(archive, managed: false).Message);
    }
}
