using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Extraction;

namespace SpeechPairs.Tests.Extraction;

/// <summary>Builds test archives of every format both extractors read, with 7-Zip (Debian package 7zip) or .NET's writers.</summary>
internal static class TestArchives
{
    public static readonly ArchiveFormat[] Formats = [ArchiveFormat.SevenZip, ArchiveFormat.Zip, ArchiveFormat.Tar, ArchiveFormat.TarGzip];

    public static string SevenZip =>
        SevenZipExtractor.FindOnPath()
        ?? throw new SkipException("this test builds archives with 7-Zip: install 7zz (apt-get install 7zip, brew install sevenzip; ./test.sh does it on Debian)");

    /// <summary>Writes <paramref name="pairs"/> clips (Chinese paths, spaces) and a readme.txt under <paramref name="folder"/>; returns the relative paths written.</summary>
    public static List<string> WriteClips(string folder, int pairs, string prefix = "中文 - Chinese/角色", int seed = 1)
    {
        var written = new List<string>();
        for (var i = 0; i < pairs; i++)
        {
            var id = $"{prefix} {i % 3}/vo_{i:000} 台词";
            TestArchive.WritePair(folder, id, 0.05 + i % 4 * 0.03, $"第{i}句。", seed * 1000 + i);
            written.Add(id + ".wav");
            written.Add(id + ".lab");
        }
        TestArchive.WriteFile(folder, "readme.txt", "only *.wav and *.lab are extracted"u8.ToArray());
        return written;
    }

    /// <summary>Packs everything under <paramref name="folder"/> (links as links) into <paramref name="archive"/>.</summary>
    public static void Pack(string folder, string archive, ArchiveFormat format, params string[] extraSwitches)
    {
        switch (format)
        {
            case ArchiveFormat.TarGzip:
                string tar = archive + ".tmp.tar";
                Pack(folder, tar, ArchiveFormat.Tar, extraSwitches);
                using (var input = File.OpenRead(tar))
                using (var output = new GZipStream(File.Create(archive), CompressionLevel.Fastest))
                    input.CopyTo(output);
                File.Delete(tar);
                break;
            default:
                string type = format switch { ArchiveFormat.SevenZip => "-t7z", ArchiveFormat.Zip => "-tzip", _ => "-ttar" };
                RunSevenZip(folder, ["a", type, "-snl", "-bso0", "-bsp0", .. extraSwitches, archive, "."]);
                break;
        }
    }

    /// <summary>
    /// A tar (or tar.gz) whose entries are written as given: links with any target (e.g. "../../../../outside/secret.txt"),
    /// names 7-Zip would not take from a folder. Each entry is (name, content) or (name, link target, hard).
    /// </summary>
    public static void WriteTar(string archive, bool gzip, IEnumerable<TarEntry> entries)
    {
        using Stream file = File.Create(archive);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var writer = new TarWriter(output, TarEntryFormat.Pax);
        foreach (TarEntry entry in entries)
            writer.WriteEntry(entry);
    }

    public static PaxTarEntry TarFile(string name, byte[] content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };

    public static PaxTarEntry TarLink(string name, string target, bool hard = false) =>
        new(hard ? TarEntryType.HardLink : TarEntryType.SymbolicLink, name) { LinkName = target };

    /// <summary>A zip whose entries are files or (Unix) symbolic links holding their target, as Info-ZIP's <c>zip -y</c> writes them.</summary>
    public static void WriteZip(string archive, IEnumerable<(string Name, byte[] Content, bool IsLink)> entries)
    {
        using var zip = ZipFile.Open(archive, ZipArchiveMode.Create);
        foreach ((string name, byte[] content, bool isLink) in entries)
        {
            ZipArchiveEntry entry = zip.CreateEntry(name, CompressionLevel.Fastest);
            if (isLink)
                entry.ExternalAttributes = unchecked((int)(0xA1FFu << 16)); // S_IFLNK | 0777
            using Stream data = entry.Open();
            data.Write(content);
        }
    }

    /// <summary>A small valid WAV's bytes.</summary>
    public static byte[] Wav(int seed)
    {
        string path = Path.Combine(Path.GetTempPath(), $"speechpairs-wav-{Guid.NewGuid():N}.wav");
        TestWav.Write(path, 0.05, seed);
        byte[] bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    public static void RunSevenZip(string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(SevenZip)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), "7-Zip did not finish");
        Assert.True(process.ExitCode == 0, $"7zz {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {output}{errors.Result}");
    }

    /// <summary>Every file under a folder (relative path with '/', bytes), the pipeline's own marker files left out.</summary>
    public static SortedDictionary<string, byte[]> Tree(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Select(path => (Relative: Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/'), path))
                .Where(f => f.Relative is not (".metadata_never_index" or SpeechPairs.Contract.ExtractionSentinel.FileName))
                .ToDictionary(f => f.Relative, f => File.ReadAllBytes(f.path)),
            StringComparer.Ordinal);
}
