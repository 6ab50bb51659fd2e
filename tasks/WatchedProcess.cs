using System.Diagnostics;
using System.Globalization;

namespace SpeechPairs.Tasks;

/// <summary>
/// The process whose death should stop a worker (its --parent-pid): the MSBuild node running the build.
/// Under TaskHostFactory a task runs in a task host, a child of that node that outlives it when msbuild is
/// killed with SIGTERM, so the host's parent is the one to watch.
/// </summary>
internal static class WatchedProcess
{
    public static int Id()
    {
        int self = Environment.ProcessId;
        if (!IsTaskHost())
            return self;
        return ParentOf(self) is int parent and > 1 ? parent : self;
    }

    private static bool IsTaskHost() =>
        Environment.GetCommandLineArgs().Any(a => a.TrimStart('/', '-').StartsWith("nodemode:2", StringComparison.OrdinalIgnoreCase));

    private static int? ParentOf(int pid)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
            if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            {
                var start = new ProcessStartInfo("ps") { RedirectStandardOutput = true, UseShellExecute = false };
                foreach (string argument in new[] { "-o", "ppid=", "-p", pid.ToString(CultureInfo.InvariantCulture) })
                    start.ArgumentList.Add(argument);
                using Process ps = Process.Start(start)!;
                string output = ps.StandardOutput.ReadToEnd();
                ps.WaitForExit();
                return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
            }
        }
        catch (Exception e) when (e is IOException or FormatException or System.ComponentModel.Win32Exception or IndexOutOfRangeException)
        {
        }
        return null; // Windows: no SIGTERM, and the task host's own id is the best there is
    }
}
