using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker shard --job … --shard-index I</c> for one shard of the local run. The worker owns resume and the done
/// record; this task streams the progress lines into the build log and the shard's log, and fails when the worker
/// fails or leaves no done record.
/// </summary>
public sealed partial class RunShard : WorkerTool
{
    [Required] public int ShardIndex { get; set; }

    protected override string Command => "shard";

    protected override string Subject => ShardFiles.Describe(ShardIndex, Spec().Procs);

    protected override bool WatchesParent => true;

    protected override bool IsImportant(string line) => ProgressLine().IsMatch(line) || !line.StartsWith('[');

    protected override void AppendArguments(CommandLineBuilder arguments) =>
        arguments.AppendSwitch("--shard-index " + ShardIndex.ToString(CultureInfo.InvariantCulture));

    protected override bool CheckResult()
    {
        var done = Spec().Shard(ShardIndex).Done;
        if (File.Exists(done))
            return true;
        Log.LogError($"The worker for {Subject} exited with 0 but wrote no done record '{done}'.");
        return false;
    }

    private JobSpec? _spec;

    private JobSpec Spec() => _spec ??= JobSpec.Read(JobFile ?? throw new InvalidOperationException("RunShard needs JobFile"));

    [GeneratedRegex(@"^\[shard \d+/\d+\] ")]
    private static partial Regex ProgressLine();
}
