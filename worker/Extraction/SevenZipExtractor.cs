using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// Extracts with a 7-Zip executable (7zz, 7z or 7za), run as this process's child: the fastest path, one multithreaded
/// pass over the solid archive. Arguments go to the process as a list, never through a shell.
/// </summary>
/// <remarks>
/// The listing (headers only, no decompression for 7z and zip) decides everything: 7-Zip silently rewrites "../x" and "/x"
/// on extraction, so an unsafe archive is only recognised there, and links and too-long names found there are excluded
/// with a list file (<c>-x@</c>, so any number fits) while the include filters and the single sequential pass stay as they
/// are. 7-Zip reads a gzip file as one compressed file, so a tar.gz is decompressed here and fed to 7-Zip's stdin as tar.
/// </remarks>
internal sealed partial class SevenZipExtractor(string executable) : IArchiveExtractor
{
    private static readonly string[] ExecutableNames = ["7zz", "7z", "7za"];

    // -ssc-: case-insensitive filters, so "CLIP.WAV" is extracted as on macOS and Windows.
    private static readonly string[] FilterSwitches = ["-ssc-", .. ArchiveEntryPaths.SevenZipIncludeSwitches];

    public string Name => $"7-Zip ({executable})";

    /// <summary>The first of 7zz, 7z, 7za on PATH, or null.</summary>
    public static string? FindOnPath()
    {
        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string[] suffixes = OperatingSystem.IsWindows() ? [".exe"] : [""];
        foreach (string name in ExecutableNames)
            foreach (string directory in directories)
                foreach (string suffix in suffixes)
                {
                    string candidate = Path.Combine(directory, name + suffix);
                    if (File.Exists(candidate))
                        return candidate;
                }
        return null;
    }

    public int Extract(string archive, ArchiveFormat format, string destination, SkippedEntries skipped, Action<string> log, CancellationToken cancellation)
    {
        var excluded = new List<string>();
        int files = 0;
        foreach (SevenZipListedEntry entry in List(archive, format, cancellation))
        {
            if (entry.IsDirectory || !ArchiveEntryPaths.IsWanted(entry.Path))
                continue;
            if (ArchiveEntryPaths.ResolveInside(destination, entry.Path) is null)
                throw new ArchiveExtractionException(
                    $"Refusing to extract '{archive}': its entry '{entry.Path}' would be written outside the extract folder.");
            if (entry.IsLink)
                skipped.AddLink(entry.Path);
            else if (ArchiveEntryPaths.HasTooLongName(entry.Path))
                skipped.AddTooLong(entry.Path);
            else
            {
                files++;
                continue;
            }
            excluded.Add(entry.Path);
        }
        if (files == 0)
            return 0;

        string exclusions = destination + ".exclude.txt"; // beside the folder: it must not become part of the extraction
        File.WriteAllLines(exclusions, excluded, new UTF8Encoding(false));
        try
        {
            var progress = new PercentProgress(log);
            (int exitCode, string errors) = Run(
                ["x", "-mmt=on", "-y", .. FilterSwitches, "-scsUTF-8", $"-x@{exclusions}", $"-o{destination}", "-bso0", "-bsp1", .. Input(format, archive)],
                format, archive, progress.ReadFrom, cancellation);
            if (exitCode != 0)
                throw new ArchiveExtractionException(
                    $"7-Zip could not extract '{archive}' (exit code {exitCode}): {Summarise(errors)}");
        }
        finally
        {
            File.Delete(exclusions);
        }
        return files;
    }

    private List<SevenZipListedEntry> List(string archive, ArchiveFormat format, CancellationToken cancellation)
    {
        var entries = new List<SevenZipListedEntry>();
        (int exitCode, string errors) = Run(["l", "-slt", "-ba", .. FilterSwitches, .. Input(format, archive)], format, archive,
            output => entries.AddRange(SevenZipListing.Read(output)), cancellation);
        if (exitCode != 0)
            throw new ArchiveExtractionException(
                $"'{archive}' is damaged or not an archive 7-Zip can read (exit code {exitCode}): {Summarise(errors)}");
        return entries;
    }

    private static string[] Input(ArchiveFormat format, string archive) => format switch
    {
        ArchiveFormat.SevenZip => ["-t7z", "--", archive],
        ArchiveFormat.Zip => ["-tzip", "--", archive],
        ArchiveFormat.Tar => ["-ttar", "--", archive],
        _ => ["-ttar", "-si"],
    };

    private (int ExitCode, string Errors) Run(
        IEnumerable<string> arguments, ArchiveFormat format, string archive, Action<StreamReader> readOutput, CancellationToken cancellation)
    {
        bool feedsStdin = format == ArchiveFormat.TarGzip;
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = feedsStdin,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using Process process = Process.Start(start)
            ?? throw new ArchiveExtractionException($"Could not start {executable}.");
        Task<string> errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        Task<Exception?> feeding = feedsStdin ? Task.Run(() => FeedGunzipped(archive, process)) : Task.FromResult<Exception?>(null);
        using (cancellation.Register(() => KillTree(process)))
        {
            readOutput(process.StandardOutput);
            process.StandardOutput.ReadToEnd(); // drain whatever the reader left
            process.WaitForExit();
        }
        Exception? feedError = feeding.Result;
        cancellation.ThrowIfCancellationRequested();
        if (feedError is InvalidDataException)
            throw new ArchiveExtractionException($"'{archive}' is damaged: {feedError.Message}");
        return (process.ExitCode, errors.Result);
    }

    /// <summary>Copies the decompressed tar into 7-Zip's stdin; returns what went wrong instead of throwing on a worker thread.</summary>
    private static Exception? FeedGunzipped(string archive, Process process)
    {
        try
        {
            using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            gzip.CopyTo(process.StandardInput.BaseStream, 1 << 16);
            return null;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return e; // damaged data, or 7-Zip stopped reading (it exited or was killed)
        }
        finally
        {
            try { process.StandardInput.Close(); }
            catch (IOException) { }
        }
    }

    /// <summary>Kills 7-Zip and anything it started; a stopped worker must not leave it writing.</summary>
    private static void KillTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already exited
    }

    private static string Summarise(string errors)
    {
        string text = string.Join(" ", errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return text.Length == 0 ? "no message" : text.Length > 600 ? text[..600] + "..." : text;
    }

    /// <summary>Turns 7-Zip's -bsp1 progress ("  42% 1234 - name" between backspaces) into a log line every 10%.</summary>
    private sealed partial class PercentProgress(Action<string> log)
    {
        private string pending = "";
        private int lastLogged;

        public void ReadFrom(StreamReader output)
        {
            var buffer = new char[4096];
            int read;
            while ((read = output.Read(buffer, 0, buffer.Length)) > 0)
                Append(new string(buffer, 0, read));
        }

        private void Append(string chunk)
        {
            string[] segments = (pending + chunk).Split(['\b', '\r', '\n']);
            pending = segments[^1];
            foreach (string segment in segments.AsSpan(0, segments.Length - 1))
            {
                Match match = Percent().Match(segment);
                if (match.Success && int.Parse(match.Groups[1].Value) is int percent && percent >= lastLogged + 10)
                {
                    lastLogged = percent - percent % 10;
                    log($"extracting: {percent}%");
                }
            }
        }

        [GeneratedRegex(@"^\s*(\d{1,3})%")]
        private static partial Regex Percent();
    }
}
