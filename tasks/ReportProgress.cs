using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker progress</c>: the progress table of the run in a work folder. Only reads files.</summary>
public sealed class ReportProgress : WorkerTool
{
    [Required] public string WorkDir { get; set; } = "";

    /// <summary>Show the run with this many shards; 0: the most recently updated run.</summary>
    public int ShardCount { get; set; }

    protected override string Command => "progress";

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--work-dir ", Path.TrimEndingDirectorySeparator(WorkDir));
        if (ShardCount > 0) arguments.AppendSwitch("--shard-count " + ShardCount.ToString(CultureInfo.InvariantCulture));
    }
}
