using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// Extracts with a 7-Zip executable (7zz, 7z or 7za), run as this process's child: the fastest path, one pass over each
/// solid block (a 7z's blocks in several processes side by side, see <see cref="SolidBlockLanes"/>). Arguments go to the
/// process as a list, never through a shell; the process dies with the worker (<see cref="ParentDeathSignal"/>).
/// </summary>
/// <remarks>
/// The listing (headers only, no decompression for 7z and zip) decides everything: 7-Zip silently rewrites "../x" and "/x"
/// on extraction, so an unsafe archive is only recognised there, and links and too-long names found there are excluded
/// with a list file (<c>-x@</c>, so any number fits) while the include filters and the pass over each block stay as they
/// are. 7-Zip reads a gzip file as one compressed file, so a tar.gz is decompressed here and fed to 7-Zip's stdin as tar.
/// A password-protected archive is refused, never prompted for: its listing marks encrypted entries, and 7-Zip, given an
/// empty password, fails at once on encrypted headers (or data) with "Wrong password?".
/// </remarks>
internal sealed partial class SevenZipExtractor(string executable) : IArchiveExtractor
{
    private static readonly string[] ExecutableNames = ["7zz", "7z", "7za"];

    // -ssc-: case-insensitive filters, so "CLIP.WAV" is extracted as on macOS and Windows.
    private static readonly string[] FilterSwitches = ["-ssc-", .. ArchiveEntryPaths.SevenZipIncludeSwitches];

    // "-p" with nothing after it is an empty password: without it, 7-Zip prompts for one on encrypted headers ("l") or
    // entries ("x") and waits on stdin. Closed stdin alone is not enough: 7-Zip then stops with "Break signaled" (code
    // 255), which does not say why. No effect on an archive without encryption.
    private const string NoPassword = "-p";

    // Each 7-Zip process holds its own decoder dictionary (up to 1.5 GB at 7-Zip's largest settings): a many-core
    // login node must not run dozens of them.
    private const int MaxProcesses = 4;

    public string Name => $"7-Zip ({executable})";

    /// <summary>The first of 7zz, 7z, 7za on PATH, or null.</summary>
    public static string? FindOnPath() => FindOnPath(ExecutableNames);

    /// <summary>The first of <paramref name="names"/> on PATH, or null.</summary>
    public static string? FindOnPath(IEnumerable<string> names)
    {
        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string[] suffixes = OperatingSystem.IsWindows() ? [".exe"] : [""];
        foreach (string name in names)
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
        var wanted = new List<SevenZipListedEntry>();
        foreach (SevenZipListedEntry entry in List(archive, format, cancellation))
        {
            if (entry.IsDirectory || !ArchiveEntryPaths.IsWanted(entry.Path))
                continue;
            if (entry.IsEncrypted)
                throw ArchiveExtractionException.Encrypted(archive);
            if (ArchiveEntryPaths.ResolveInside(destination, entry.Path) is null)
                throw new ArchiveExtractionException(
                    $"Refusing to extract '{archive}': its entry '{entry.Path}' would be written outside the extract folder.");
            if (entry.IsLink)
                skipped.AddLink(entry.Path);
            else if (ArchiveEntryPaths.HasTooLongName(entry.Path))
                skipped.AddTooLong(entry.Path);
            else
            {
                wanted.Add(entry);
                continue;
            }
            excluded.Add(entry.Path);
        }
        if (wanted.Count == 0)
            return 0;

        string exclusions = destination + ".exclude.txt"; // beside the folder: it must not become part of the extraction
        File.WriteAllLines(exclusions, excluded, new UTF8Encoding(false));
        try
        {
            var groups = format == ArchiveFormat.SevenZip ? SolidBlockLanes.Plan(wanted, Math.Min(Environment.ProcessorCount, MaxProcesses)) : null;
            if (groups is not null)
            {
                log($"extracting {wanted.Count} files from {wanted.Select(e => e.Block).Distinct().Count()} solid blocks in {groups.Count} 7-Zip processes side by side");
                ExtractSideBySide(archive, format, destination, exclusions, groups, log, cancellation);
            }
            else
            {
                var progress = new ProgressLog(log, 1);
                (int exitCode, string errors) = Run(
                    ["x", "-mmt=on", "-y", NoPassword, .. FilterSwitches, "-scsUTF-8", $"-x@{exclusions}", $"-o{destination}", "-bso0", "-bsp1", .. Input(format, archive)],
                    format, archive, output => PercentProgress.Read(output, percent => progress.Report(0, percent)), cancellation);
                if (exitCode != 0)
                    throw Failure(archive, exitCode, errors, $"7-Zip could not extract '{archive}' (exit code {exitCode})");
            }
        }
        finally
        {
            File.Delete(exclusions);
        }
        return wanted.Count;
    }

    // One 7-Zip process per group of solid blocks, each told its files by name (see SolidBlockLanes). The first to
    // fail stops the others; its error is the one reported.
    private void ExtractSideBySide(string archive, ArchiveFormat format, string destination, string exclusions,
        List<List<string>> groups, Action<string> log, CancellationToken cancellation)
    {
        var lists = groups.Select((_, k) => $"{destination}.include-{k}.txt").ToList(); // beside the folder, as the exclusions
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var progress = new ProgressLog(log, groups.Count);
        try
        {
            for (int k = 0; k < groups.Count; k++)
                File.WriteAllLines(lists[k], groups[k], new UTF8Encoding(false));
            var runs = groups.Select((_, k) => Task.Run(() =>
            {
                try
                {
                    (int exitCode, string errors) = Run(
                        ["x", "-mmt=on", "-y", NoPassword, "-ssc-", "-scsUTF-8", $"-i@{lists[k]}", $"-x@{exclusions}", $"-o{destination}", "-bso0", "-bsp1", .. Input(format, archive)],
                        format, archive, output => PercentProgress.Read(output, percent => progress.Report(k, percent)), stop.Token);
                    if (exitCode == 0)
                        return null;
                    stop.Cancel();
                    return Failure(archive, exitCode, errors, $"7-Zip could not extract '{archive}' (exit code {exitCode})");
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    return (Exception?)null; // stopped because another process failed
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    stop.Cancel();
                    throw;
                }
            }, CancellationToken.None)).ToArray();
            Task.WhenAll(runs).ContinueWith(_ => { }, TaskScheduler.Default).Wait(CancellationToken.None);
            cancellation.ThrowIfCancellationRequested();
            foreach (var run in runs)
            {
                if (run.IsFaulted)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(run.Exception!.InnerException!).Throw();
                if (run.Result is { } failure)
                    throw failure;
            }
        }
        finally
        {
            foreach (string list in lists)
                File.Delete(list);
        }
    }

    private List<SevenZipListedEntry> List(string archive, ArchiveFormat format, CancellationToken cancellation)
    {
        var entries = new List<SevenZipListedEntry>();
        (int exitCode, string errors) = Run(["l", "-slt", "-ba", NoPassword, .. FilterSwitches, .. Input(format, archive)], format, archive,
            output => entries.AddRange(SevenZipListing.Read(output)), cancellation);
        if (exitCode != 0)
            throw Failure(archive, exitCode, errors, $"'{archive}' is damaged or not an archive 7-Zip can read (exit code {exitCode})");
        return entries;
    }

    // How 7-Zip ends on a terminal's Ctrl+C, which reaches it with the worker: 255 ("Break signaled") where it handles
    // the signal, else killed by SIGINT (or SIGTERM), which Process reports as 128 + the signal's number.
    private static readonly int[] StoppedBySignal = [255, 128 + 2, 128 + 15];

    // With the empty password, encrypted headers fail as "Cannot open encrypted archive. Wrong password?", encrypted
    // data as "Data Error in encrypted file. Wrong password?" (7z) or "Wrong password" (zip).
    private static Exception Failure(string archive, int exitCode, string errors, string what) =>
        StoppedBySignal.Contains(exitCode) ? new ChildInterruptedException($"7-Zip was stopped by a signal while reading '{archive}' (exit code {exitCode})")
        : errors.Contains("Wrong password", StringComparison.OrdinalIgnoreCase) ? ArchiveExtractionException.Encrypted(archive)
        : new ArchiveExtractionException($"{what}: {Summarise(errors)}");

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
        ProcessStartInfo start = ParentDeathSignal.StartInfo(executable, arguments);
        start.UseShellExecute = false;
        start.RedirectStandardInput = true; // never the worker's own: nothing 7-Zip could wait on
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.StandardOutputEncoding = Encoding.UTF8;
        start.StandardErrorEncoding = Encoding.UTF8;

        using Process process = Process.Start(start)
            ?? throw new ArchiveExtractionException($"Could not start {executable}.");
        if (!feedsStdin)
            process.StandardInput.Close(); // at end of input, any question 7-Zip might still ask fails instead of waiting
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

    /// <summary>Reads 7-Zip's -bsp1 progress ("  42% 1234 - name" between backspaces) and reports each percentage.</summary>
    private static partial class PercentProgress
    {
        public static void Read(StreamReader output, Action<int> report)
        {
            var buffer = new char[4096];
            string pending = "";
            int read;
            while ((read = output.Read(buffer, 0, buffer.Length)) > 0)
            {
                string[] segments = (pending + new string(buffer, 0, read)).Split(['\b', '\r', '\n']);
                pending = segments[^1];
                foreach (string segment in segments.AsSpan(0, segments.Length - 1))
                    if (Percent().Match(segment) is { Success: true } match)
                        report(int.Parse(match.Groups[1].Value));
            }
        }

        [GeneratedRegex(@"^\s*(\d{1,3})%")]
        private static partial Regex Percent();
    }

    /// <summary>A log line every 10 % of the whole: the mean of the processes' percentages.</summary>
    private sealed class ProgressLog(Action<string> log, int processes)
    {
        private readonly int[] percents = new int[processes];
        private int lastLogged;

        public void Report(int process, int percent)
        {
            lock (percents)
            {
                percents[process] = Math.Clamp(percent, 0, 100);
                int whole = (int)percents.Average();
                if (whole < lastLogged + 10)
                    return;
                lastLogged = whole - whole % 10;
                log($"extracting: {whole}%");
            }
        }
    }
}
