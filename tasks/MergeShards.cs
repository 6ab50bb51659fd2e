using System.Globalization;
using Microsoft.Build.Utilities;
using Microsoft.Build.Framework;

namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker merge</c>: every shard with a done record, in the global pair order, into Destination.</summary>
public sealed class MergeShards : WorkerTool
{
    [Required] public string WorkDir { get; set; } = "";
    [Required] public int ShardCount { get; set; }

    /// <summary>The merged output: .jsonl.gz, .jsonl or .parquet.</summary>
    [Required] public string Destination { get; set; } = "";

    public string? TokenCache { get; set; }

    protected override string Command => "merge";

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--work-dir ", Path.TrimEndingDirectorySeparator(WorkDir));
        arguments.AppendSwitch("--shard-count " + ShardCount.ToString(CultureInfo.InvariantCulture));
        arguments.AppendSwitchIfNotNull("--out ", Destination);
        if (!string.IsNullOrWhiteSpace(TokenCache)) arguments.AppendSwitchIfNotNull("--token-cache ", TokenCache);
    }
}
