using System.Globalization;

namespace SpeechPairs.Worker.Shard;

/// <summary>The process's peak memory, for the end summary and the done record.</summary>
internal static class PeakMemory
{
    /// <summary>Peak resident set (VmHWM) on Linux; the runtime's peak working set elsewhere.</summary>
    public static double Megabytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / 1048576.0;
    }
}
