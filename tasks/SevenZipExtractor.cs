using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Extracts with a 7-Zip executable (7zz, 7z or 7za): the fastest path, one multithreaded pass over
/// the solid archive. Arguments go to the process as a list, never through a shell.
/// </summary>
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

    public int Extract(string archive, string destination, TaskLoggingHelper log, CancellationToken cancellation)
    {
        // List first (headers only, no decompression): 7-Zip silently rewrites "../x" and "/x" on
        // extraction, so an unsafe archive can only be recognised from its listing.
        List<string> entries = ListWantedFiles(archive, cancellation);
        foreach (string entry in entries)
        {
            if (ArchiveEntryPaths.ResolveInside(destination, entry) is null)
                throw new ArchiveExtractionException(
                    $"Refusing to extract '{archive}': its entry '{entry}' would be written outside '{destination}'.");
        }
        if (entries.Count == 0)
            return 0;

        var progress = new PercentProgress(log);
        (int exitCode, string errors) = Run(
            ["x", "-mmt=on", "-y", .. FilterSwitches, $"-o{destination}", "-bso0", "-bsp1", "--", archive],
            progress.ReadFrom, cancellation);
        if (exitCode != 0)
            throw new ArchiveExtractionException(
                $"7-Zip could not extract '{archive}' (exit code {exitCode}): {Summarise(errors)}");
        return entries.Count;
    }

    private List<string> ListWantedFiles(string archive, CancellationToken cancellation)
    {
        var files = new List<string>();
        (int exitCode, string errors) = Run(["l", "-slt", "-ba", .. FilterSwitches, "--", archive], output =>
        {
            // -slt prints one "Key = value" block per entry; a directory's attribute string starts with 'D'.
            // Read line by line: a listing of 500k entries is hundreds of megabytes.
            string? path = null;
            while (output.ReadLine() is string line)
            {
                if (line.StartsWith("Path = ", StringComparison.Ordinal))
                    path = line["Path = ".Length..];
                else if (line.StartsWith("Attributes = ", StringComparison.Ordinal) && path is not null)
                {
                    if (!line["Attributes = ".Length..].StartsWith('D'))
                        files.Add(path);
                    path = null;
                }
            }
        }, cancellation);
        if (exitCode != 0)
            throw new ArchiveExtractionException(
                $"'{archive}' is damaged or not an archive 7-Zip can read (exit code {exitCode}): {Summarise(errors)}");
        return files;
    }

    private (int ExitCode, string Errors) Run(IEnumerable<string> arguments, Action<StreamReader> readOutput, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using Process process = Process.Start(start)
            ?? throw new ArchiveExtractionException($"Could not start {executable}.");
        System.Threading.Tasks.Task<string> errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using (cancellation.Register(() => KillQuietly(process)))
        {
            readOutput(process.StandardOutput);
            process.StandardOutput.ReadToEnd(); // drain whatever the reader left
            process.WaitForExit();
        }
        cancellation.ThrowIfCancellationRequested();
        return (process.ExitCode, errors.Result);
    }

    private static void KillQuietly(Process process)
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
    private sealed partial class PercentProgress(TaskLoggingHelper log)
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
                    log.LogMessage(MessageImportance.Normal, $"Extracting: {percent}%");
                }
            }
        }

        [GeneratedRegex(@"^\s*(\d{1,3})%")]
        private static partial Regex Percent();
    }
}
