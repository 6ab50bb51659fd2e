using System.Diagnostics;
using System.Globalization;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Slurm;

/// <summary>A Slurm job array task (or a plain job, with <see cref="ArrayTaskId"/> null) as <c>scontrol</c> reports it.</summary>
public sealed record SlurmTaskState(string JobId, int? ArrayTaskId, string State, string ExitCode, string? StdOut)
{
    public bool Completed => State == "COMPLETED";

    /// <summary>Still queued or running: a state Slurm will move on from by itself.</summary>
    public bool Active => State is "PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "REQUEUED" or "RESIZING" or "SUSPENDED" or "STAGE_OUT" or "SIGNALING";
}

/// <summary>
/// The Slurm client commands found on PATH (<c>sbatch</c>, <c>squeue</c>, <c>scontrol</c>, <c>scancel</c>; SLURM_CONF
/// from the environment as usual), each run with its arguments as a list, never through a shell.
/// </summary>
public sealed class SlurmClient
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Submits a batch script; returns the job id (<c>sbatch --parsable</c> prints <c>ID</c> or <c>ID;cluster</c>).</summary>
    public string Submit(string script, IEnumerable<string> options)
    {
        var output = Run("sbatch", ["--parsable", .. options, script]);
        var id = output.Trim().Split(';')[0];
        if (id.Length == 0 || !id.All(char.IsAsciiDigit))
            throw new WorkerFailureException($"sbatch printed no job id for {script}: {output.Trim()}");
        return id;
    }

    /// <summary>Whether any task of the job is still in the queue (pending or running).</summary>
    public bool InQueue(string jobId) => Run("squeue", ["-h", "-j", jobId, "-o", "%i"], allowFailure: true).Trim().Length > 0;

    /// <summary>
    /// Those of <paramref name="jobIds"/> (plain jobs or job arrays) with a task still queued or running. Asks for the whole
    /// queue: a job Slurm has forgotten is simply absent, while a queue that cannot be read fails (it proves nothing).
    /// </summary>
    public IReadOnlyList<string> Queued(IReadOnlyList<string> jobIds)
    {
        // %F: the job's id, or for an array task the array's.
        var queued = Run("squeue", ["-h", "-o", "%F"]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        return [.. jobIds.Where(queued.Contains)];
    }

    /// <summary>
    /// Every task of a job with its state, exit code and log file, from <c>scontrol -o show job</c> (one line per task).
    /// Empty once Slurm has forgotten the job (MinJobAge after it ended).
    /// </summary>
    public IReadOnlyList<SlurmTaskState> States(string jobId)
    {
        var output = Run("scontrol", ["-o", "show", "job", jobId], allowFailure: true);
        var states = new List<SlurmTaskState>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = Fields(line);
            if (!fields.TryGetValue("JobState", out var state))
                continue;
            int? task = fields.TryGetValue("ArrayTaskId", out var taskText) && int.TryParse(taskText, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : null;
            states.Add(new SlurmTaskState(fields.GetValueOrDefault("JobId", jobId), task, state, fields.GetValueOrDefault("ExitCode", ""), fields.GetValueOrDefault("StdOut")));
        }
        return states;
    }

    public void Cancel(IEnumerable<string> jobIds)
    {
        var ids = jobIds.ToArray();
        if (ids.Length > 0)
            Run("scancel", ids, allowFailure: true);
    }

    /// <summary>The <c>Key=Value</c> fields of one <c>scontrol -o</c> line (values hold no spaces except in a few fields we do not read).</summary>
    private static Dictionary<string, string> Fields(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals > 0)
                fields.TryAdd(part[..equals], part[(equals + 1)..]);
        }
        return fields;
    }

    private static string Run(string command, IReadOnlyList<string> arguments, bool allowFailure = false)
    {
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new WorkerFailureException($"cannot start {command}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new WorkerFailureException($"cannot run {command} ({e.Message}): Scheduler=slurm needs the Slurm client commands on PATH");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CommandTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new WorkerFailureException($"{command} did not answer within {CommandTimeout.TotalSeconds:0} s");
            }
            if (process.ExitCode != 0 && !allowFailure)
                throw new WorkerFailureException($"{command} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {Messages.FirstLine(stderr.Result.Trim())}");
            return stdout.Result;
        }
    }
}
