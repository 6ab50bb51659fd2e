using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// In a shard's own project instance: its files, from the job spec the parent planned, so the shard target's
/// Inputs/Outputs (job identity → done record) need no path passed between project instances.
/// </summary>
public sealed class ShardOfJob : Task
{
    /// <summary>The work folder (as the project resolved it): the spec is in it.</summary>
    [Required] public string WorkDir { get; set; } = "";

    [Required] public int ShardIndex { get; set; }

    [Output] public string JobFile { get; private set; } = "";

    /// <summary>What makes a finished shard out of date: a file rewritten only when the job's identity changes.</summary>
    [Output] public string IdentityFile { get; private set; } = "";

    [Output] public string DoneFile { get; private set; } = "";

    [Output] public string LogFile { get; private set; } = "";

    public override bool Execute()
    {
        var path = JobSpec.PathIn(WorkDir);
        try
        {
            var spec = JobSpec.Read(path);
            JobFile = path;
            IdentityFile = JobSpec.IdentityPathIn(spec.WorkDir);
            DoneFile = spec.Shard(ShardIndex).Done;
            LogFile = ShardFiles.Log(spec.WorkDir, ShardIndex, spec.Procs);
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Log.LogError(string.Create(CultureInfo.InvariantCulture, $"shard {ShardIndex}: {e.Message}"));
            return false;
        }
    }
}
