using SpeechPairs.Contract;
using System.Diagnostics;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>Finds running workers (one shard's, or one command's), by their command line, to stop them mid-run.</summary>
internal static class WorkerProcesses
{
    /// <summary>
    /// Ids of the workers writing <paramref name="shardOutput"/>: their command line names the worker, the shard command,
    /// the job spec of its work folder and its index (the pipeline passes no output path).
    /// </summary>
    public static IReadOnlyList<int> Writing(string shardOutput)
    {
        if (!ShardFiles.TryParseName(shardOutput, out int index, out _))
            throw new ArgumentException($"not a shard output of a work folder: {shardOutput}", nameof(shardOutput));
        string job = JobSpec.PathIn(Path.GetDirectoryName(shardOutput)!);
        return CommandLines()
            .Where(p => p.CommandLine.Contains("SpeechPairs.Worker") && p.CommandLine.Contains(" shard ") && p.CommandLine.Contains(job)
                        && p.CommandLine.Contains($"--shard-index {index} "))
            .Select(p => p.Id)
            .ToList();
    }

    /// <summary>Ids of the workers running <paramref name="command"/> (e.g. <c>slurm run</c>) with the job spec of <paramref name="workDir"/>.</summary>
    public static IReadOnlyList<int> Running(string command, string workDir)
    {
        string job = JobSpec.PathIn(workDir);
        return CommandLines()
            .Where(p => p.CommandLine.Contains("SpeechPairs.Worker") && p.CommandLine.Contains($" {command} ") && p.CommandLine.Contains(job))
            .Select(p => p.Id)
            .ToList();
    }

    private static IEnumerable<(int Id, string CommandLine)> CommandLines()
    {
        if (Directory.Exists("/proc/self"))
        {
            foreach (string directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), out int id))
                    continue;
                string commandLine;
                try { commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' '); }
                catch (IOException) { continue; }
                catch (UnauthorizedAccessException) { continue; }
                yield return (id, commandLine);
            }
            yield break;
        }
        // macOS and other Unix: ps prints every process's full command line.
        ProcessRunner.Result ps = ProcessRunner.Run("ps", ["-axww", "-o", "pid=,command="]);
        foreach (string line in ps.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int space = line.IndexOf(' ');
            if (space > 0 && int.TryParse(line[..space], out int id))
                yield return (id, line[(space + 1)..]);
        }
    }

    public static void Kill(int id)
    {
        try { Process.GetProcessById(id).Kill(entireProcessTree: true); }
        catch (ArgumentException) { } // already gone
    }
}
