using System.Diagnostics;
using System.Text;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>Runs a program with an argument list (no shell) and collects its output.</summary>
internal static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output)
    {
        public Result AssertSucceeded(string what)
        {
            Assert.True(ExitCode == 0, $"{what} exited with {ExitCode}:\n{Output}");
            return this;
        }
    }

    public static Result Run(string program, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using Process process = Start(program, arguments, workingDirectory, out StringBuilder output, environment);
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} timed out:\n{output}");
        }
        process.WaitForExit(); // flush the output events
        lock (output)
            return new Result(process.ExitCode, output.ToString());
    }

    /// <summary>Starts a program whose stdout and stderr lines are appended (under a lock on it) to <paramref name="output"/>.</summary>
    public static Process Start(string program, IEnumerable<string> arguments, string? workingDirectory, out StringBuilder output,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        // Keep the build started by a test independent of the `dotnet test` that runs it.
        start.Environment["MSBUILDTERMINALLOGGER"] = "off";
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

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

    /// <summary>The dotnet host running the tests.</summary>
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is string self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
