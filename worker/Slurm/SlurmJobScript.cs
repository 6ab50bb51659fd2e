using System.Text;

namespace SpeechPairs.Worker.Slurm;

/// <summary>
/// A batch script in <c>WorkDir/slurm/</c> that runs one worker command: the published self-contained worker, its
/// arguments each single-quoted (the script is the only place a shell sees them), and, for a shard array, the task's
/// own id as the shard index (the array lists shard indices).
/// </summary>
public static class SlurmJobScript
{
    public const string ArrayTaskIndex = "\"$SLURM_ARRAY_TASK_ID\"";

    /// <param name="steps">Worker command lines run one after the other (the script stops at the first that fails);
    /// <see cref="ArrayTaskIndex"/> is written unquoted so bash expands it.</param>
    public static string Write(string path, string workerExe, IEnumerable<IReadOnlyList<string>> steps)
    {
        var script = new StringBuilder()
            .Append("#!/bin/bash\n")
            .Append("# Written by SpeechPairs (worker slurm): steps of the job, run on a compute node.\n")
            .Append("set -euo pipefail\n");
        foreach (var arguments in steps)
        {
            script.Append(Quote(workerExe));
            foreach (var argument in arguments)
                script.Append(' ').Append(argument == ArrayTaskIndex ? argument : Quote(argument));
            script.Append('\n');
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, script.ToString());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        return path;
    }

    /// <summary>POSIX single quoting: nothing inside is special except the quote itself.</summary>
    public static string Quote(string argument) => "'" + argument.Replace("'", "'\\''") + "'";
}
