using System.ComponentModel;
using System.Diagnostics;
using SpeechPairs.Worker.Extraction;

namespace SpeechPairs.Worker.Hosting;

/// <summary>
/// Starts a child that dies with the worker even when the worker is killed outright (SIGKILL, the OOM killer), where no
/// handler of ours runs: on Linux through util-linux's <c>setpriv --pdeathsig KILL</c>, which has the kernel kill the
/// child once its parent is gone and then executes the program in its own place (same process id and command line).
/// Elsewhere, or with a setpriv older than the option (util-linux 2.33), the child is started directly: SIGTERM, Ctrl+C
/// and a lost parent still end it (through the worker's stop, <see cref="ProcessHost"/>), SIGKILL does not.
/// </summary>
/// <remarks>
/// The kernel signals the child when the thread that started it ends, not only the process: start it on a thread that
/// waits for it to exit (SevenZipExtractor and the parity's PythonReference do).
/// </remarks>
internal static class ParentDeathSignal
{
    private static readonly Lazy<string?> Setpriv = new(FindSetpriv);

    /// <summary>What starts <paramref name="executable"/> with <paramref name="arguments"/>, as a list (no shell).</summary>
    public static ProcessStartInfo StartInfo(string executable, IEnumerable<string> arguments)
    {
        ProcessStartInfo start;
        if (Setpriv.Value is string setpriv)
        {
            start = new ProcessStartInfo(setpriv);
            foreach (string argument in new[] { "--pdeathsig", "KILL", "--", executable })
                start.ArgumentList.Add(argument);
        }
        else
        {
            start = new ProcessStartInfo(executable);
        }
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }

    private static string? FindSetpriv()
    {
        if (!OperatingSystem.IsLinux() || SevenZipExtractor.FindOnPath(["setpriv"]) is not string setpriv)
            return null;
        try
        {
            // An older setpriv refuses the option (exit code 1) before it reads --version.
            var start = new ProcessStartInfo(setpriv, ["--pdeathsig", "KILL", "--version"])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process probe = Process.Start(start)!;
            Task<string> errors = probe.StandardError.ReadToEndAsync();
            probe.StandardOutput.ReadToEnd();
            probe.WaitForExit();
            errors.Wait();
            return probe.ExitCode == 0 ? setpriv : null;
        }
        catch (Win32Exception)
        {
            return null; // not executable after all
        }
    }
}
