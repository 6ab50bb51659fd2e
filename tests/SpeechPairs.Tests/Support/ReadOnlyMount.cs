using System.Diagnostics;

namespace SpeechPairs.Tests.Support;

/// <summary>
/// A read-only bind mount of a fresh folder: read-only even for root (as the tests run in CI), unlike file modes.
/// Skips the test, with the reason, where the process may not mount.
/// </summary>
internal sealed class ReadOnlyMount : IDisposable
{
    private ReadOnlyMount(string path) => Path = path;

    public string Path { get; }

    public static ReadOnlyMount Create(string path)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "read-only bind mounts are a Linux test");
        Directory.CreateDirectory(path);
        var bind = Run("mount", "--bind", path, path);
        Skip.If(bind is not null, $"cannot bind-mount here ({bind})");
        var remount = Run("mount", "-o", "remount,ro,bind", path, path);
        if (remount is not null)
        {
            Run("umount", path);
            Skip.If(true, $"cannot make a read-only mount here ({remount})");
        }
        return new ReadOnlyMount(path);
    }

    public void Dispose() => Run("umount", Path);

    /// <summary>Null when the command succeeded, else what it said.</summary>
    private static string? Run(string command, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in arguments)
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : error.Trim();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}
