using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Parity;

/// <summary>
/// Runs the repository's reference driver (<c>parity/step_audio_reference.py</c>) with the user's own interpreter on
/// their own Step-Audio checkout. The driver refuses (exit 2, one <c>refused: …</c> line) before tokenizing anything when
/// a folder or a package is missing; this class checks what it can before starting Python at all.
/// </summary>
public sealed class PythonReference(string python, string stepAudioDir, string driverScript, Action<string> log)
{
    /// <summary>The driver's file name; the worker build copies it next to the worker assembly, under parity/.</summary>
    public const string DriverFileName = "step_audio_reference.py";

    /// <summary>The driver's exit code when it refuses to run.</summary>
    public const int DriverRefused = 2;

    private const string RefusalPrefix = "refused: ";

    /// <summary>Where the build puts the driver.</summary>
    public static string ShippedDriver => Path.Combine(AppContext.BaseDirectory, "parity", DriverFileName);

    /// <summary>Checks the interpreter and the checkout without starting anything.</summary>
    public void CheckInputs()
    {
        if (ResolveInterpreter(python) is null)
            throw new ParityUnavailableException(
                $"reference python not found: {python} (give the interpreter of your Step-Audio environment, e.g. its bin/python)");
        if (!Directory.Exists(stepAudioDir))
            throw new ParityUnavailableException($"Step-Audio folder not found: {stepAudioDir}");
        if (!File.Exists(Path.Combine(stepAudioDir, "tokenizer.py")))
            throw new ParityUnavailableException(
                $"no tokenizer.py in {stepAudioDir}: give the Step-Audio-EditX checkout, the folder that holds tokenizer.py");
        if (!File.Exists(driverScript))
            throw new ParityUnavailableException($"the reference driver is missing from the worker's build: {driverScript}");
    }

    /// <summary>Runs the driver on the clips listed in <paramref name="clipsFile"/> and reads what it wrote (after <see cref="CheckInputs"/>).</summary>
    public ReferenceOutput Run(string clipsFile, string outputFile, string tokenizerDir, float dither, bool trim, string device)
    {
        File.Delete(outputFile);
        var interpreter = ResolveInterpreter(python)!;
        // Python dies with the worker, however the worker ends (a stopped worker exits at once: ProcessHost).
        var start = ParentDeathSignal.StartInfo(interpreter, []);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // The checkout's own scripts run from its root; relative paths in its modules expect that.
        start.WorkingDirectory = stepAudioDir;
        start.StandardOutputEncoding = System.Text.Encoding.UTF8;
        start.StandardErrorEncoding = System.Text.Encoding.UTF8;
        foreach (var argument in new[]
                 {
                     "-u", driverScript,
                     "--step-audio-dir", Path.GetFullPath(stepAudioDir),
                     "--tokenizer-dir", Path.GetFullPath(tokenizerDir),
                     "--clips", Path.GetFullPath(clipsFile),
                     "--out", Path.GetFullPath(outputFile),
                     "--dither", dither.ToString("R", CultureInfo.InvariantCulture),
                     "--device", device,
                 })
            start.ArgumentList.Add(argument);
        if (trim)
            start.ArgumentList.Add("--trim");
        // Ids and messages are often Chinese; the user's locale must not decide how Python encodes them.
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        start.Environment["PYTHONUTF8"] = "1";
        // Importing their tokenizer.py must not leave __pycache__ folders in their checkout.
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        var refusal = (string?)null;
        var lastLine = "";
        var gate = new object();
        void Forward(string? line)
        {
            if (line is null)
                return;
            lock (gate)
            {
                if (line.StartsWith(RefusalPrefix, StringComparison.Ordinal))
                    refusal = line[RefusalPrefix.Length..];
                if (line.Trim().Length > 0)
                    lastLine = line.Trim();
                // The driver marks warnings itself ("warning: …"), which the MSBuild task turns into build warnings.
                log(line.StartsWith("warning: ", StringComparison.Ordinal) ? "warning: reference: " + line["warning: ".Length..] : "reference: " + line);
            }
        }

        log($"parity: running the reference: {interpreter} {DriverFileName} (Step-Audio at {stepAudioDir}, device {device})");
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new ParityUnavailableException($"cannot start the reference python {interpreter}: {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        var exitCode = process.ExitCode;
        if (exitCode == DriverRefused && refusal is not null)
            throw new ParityUnavailableException(refusal);
        if (exitCode != 0)
            throw new ParityUnavailableException($"the reference driver failed with exit code {exitCode}: {(lastLine.Length > 0 ? lastLine : "no message")}");
        if (!File.Exists(outputFile))
            throw new ParityUnavailableException($"the reference driver exited 0 but wrote no {outputFile}");
        return ReferenceOutput.Read(outputFile);
    }

    /// <summary>A path to an existing file, or a bare command name found on PATH; null when neither.</summary>
    internal static string? ResolveInterpreter(string python)
    {
        if (python.Contains(Path.DirectorySeparatorChar) || python.Contains(Path.AltDirectorySeparatorChar))
            return File.Exists(python) ? Path.GetFullPath(python) : null;
        var extensions = OperatingSystem.IsWindows() ? new[] { ".exe", "" } : new[] { "" };
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var extension in extensions)
            {
                var candidate = Path.Combine(folder, python + extension);
                if (File.Exists(candidate))
                    return candidate;
            }
        }

        return null;
    }
}
