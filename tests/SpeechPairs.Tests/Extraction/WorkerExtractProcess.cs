using System.Diagnostics;
using System.Text;

namespace SpeechPairs.Tests.Extraction;

/// <summary>
/// Runs <c>dotnet SpeechPairs.Worker.dll COMMAND ...</c> from the test output folder, as the pipeline's tasks do. On Linux
/// through <c>env --default-signal=INT</c>, which executes dotnet in its own place (same process id): a test host started
/// in the background ignores SIGINT, and its children would inherit that, as they would not from a terminal.
/// </summary>
internal static class WorkerExtractProcess
{
    private static string WorkerAssembly => Path.Combine(AppContext.BaseDirectory, "SpeechPairs.Worker.dll");

    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is string self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>Starts the worker; its stdout and stderr lines collect in <paramref name="output"/> (lock it to read).</summary>
    /// <param name="holdStandardInputOpen">Give the worker a standard input that is never written or closed while it runs.</param>
    public static Process Start(IEnumerable<string> arguments, out StringBuilder output, bool holdStandardInputOpen = false)
    {
        var start = new ProcessStartInfo(OperatingSystem.IsLinux() ? "env" : Dotnet)
        {
            UseShellExecute = false,
            RedirectStandardInput = holdStandardInputOpen,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (OperatingSystem.IsLinux())
        {
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(Dotnet);
        }
        start.ArgumentList.Add(WorkerAssembly);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        var collected = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (collected) collected.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (collected) collected.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = collected;
        return process;
    }

    /// <summary>Runs the worker to its end (generous timeout) and returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        using Process process = Start(arguments, out StringBuilder output);
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"worker {string.Join(' ', arguments)} did not finish:\n{output}");
        }
        process.WaitForExit(); // flush the output events
        lock (output)
            return (process.ExitCode, output.ToString());
    }

    /// <summary>Ids of running processes whose command line contains <paramref name="text"/> (Linux /proc).</summary>
    public static List<int> ProcessesMentioning(string text)
    {
        var ids = new List<int>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int id))
                continue;
            try
            {
                string commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                    ids.Add(id);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // exited while we looked
            }
        }
        return ids;
    }
}
