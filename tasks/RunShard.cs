using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker shard</c> for one shard of the local run. The worker owns resume and the done record (it skips a
/// shard whose record has the same settings hash and starts over when the settings changed); this task passes the
/// settings, streams the progress lines into the build log and the shard's log, and fails when the worker fails or
/// leaves no done record.
/// </summary>
public sealed partial class RunShard : WorkerTool
{
    [Required] public string ExtractDir { get; set; } = "";
    [Required] public string TokenizerDir { get; set; } = "";

    /// <summary>The shard's output file (.jsonl.gz or .jsonl); its done record is named after it.</summary>
    [Required] public string ShardOutput { get; set; } = "";

    [Required] public int ShardIndex { get; set; }
    [Required] public int ShardCount { get; set; }

    /// <summary>Continue from a partial output left by an interrupted run instead of starting over.</summary>
    public bool Resume { get; set; }

    public bool ExcludePlaceholder { get; set; }
    public bool Trim { get; set; }
    public string? MaxDuration { get; set; }
    public string? Dither { get; set; }
    public string? Device { get; set; }
    public int TorchThreads { get; set; }
    public int OnnxThreads { get; set; }
    public string? TokenCache { get; set; }

    protected override string Command => "shard";

    protected override string Subject => ShardFiles.Describe(ShardIndex, ShardCount);

    protected override bool WatchesParent => true;

    protected override bool IsImportant(string line) => ProgressLine().IsMatch(line) || !line.StartsWith('[');

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--extract-dir ", Path.TrimEndingDirectorySeparator(ExtractDir));
        arguments.AppendSwitchIfNotNull("--out ", ShardOutput);
        arguments.AppendSwitchIfNotNull("--tokenizer-dir ", Path.TrimEndingDirectorySeparator(TokenizerDir));
        arguments.AppendSwitch("--shard-count " + ShardCount.ToString(CultureInfo.InvariantCulture));
        arguments.AppendSwitch("--shard-index " + ShardIndex.ToString(CultureInfo.InvariantCulture));
        if (Resume) arguments.AppendSwitch("--resume");
        if (ExcludePlaceholder) arguments.AppendSwitch("--exclude-placeholder");
        if (Trim) arguments.AppendSwitch("--trim");
        if (!string.IsNullOrWhiteSpace(MaxDuration)) arguments.AppendSwitchIfNotNull("--max-duration ", MaxDuration);
        if (!string.IsNullOrWhiteSpace(Dither)) arguments.AppendSwitchIfNotNull("--dither ", Dither);
        if (!string.IsNullOrWhiteSpace(Device)) arguments.AppendSwitchIfNotNull("--device ", Device);
        if (TorchThreads > 0) arguments.AppendSwitch("--torch-threads " + TorchThreads.ToString(CultureInfo.InvariantCulture));
        if (OnnxThreads > 0) arguments.AppendSwitch("--onnx-threads " + OnnxThreads.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrWhiteSpace(TokenCache)) arguments.AppendSwitchIfNotNull("--token-cache ", TokenCache);
    }

    protected override bool CheckResult()
    {
        if (File.Exists(new ShardFiles(ShardOutput).Done))
            return true;
        Log.LogError($"The worker for {Subject} exited with 0 but wrote no done record '{new ShardFiles(ShardOutput).Done}'.");
        return false;
    }

    [GeneratedRegex(@"^\[shard \d+/\d+\] ")]
    private static partial Regex ProgressLine();
}
