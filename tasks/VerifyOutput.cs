using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker verify</c>: the merged output against the extracted tree, the errors file and the done records.</summary>
public sealed class VerifyOutput : WorkerTool
{
    [Required] public string Output { get; set; } = "";
    [Required] public string ExtractDir { get; set; } = "";
    [Required] public string WorkDir { get; set; } = "";
    [Required] public int ShardCount { get; set; }
    public bool ExcludePlaceholder { get; set; }
    public bool Trim { get; set; }
    public string? MaxDuration { get; set; }

    protected override string Command => "verify";

    protected override string Subject => $"Verifying '{Output}'";

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--out ", Output);
        arguments.AppendSwitchIfNotNull("--extract-dir ", Path.TrimEndingDirectorySeparator(ExtractDir));
        arguments.AppendSwitchIfNotNull("--work-dir ", Path.TrimEndingDirectorySeparator(WorkDir));
        arguments.AppendSwitch("--shard-count " + ShardCount.ToString(CultureInfo.InvariantCulture));
        if (ExcludePlaceholder) arguments.AppendSwitch("--exclude-placeholder");
        if (Trim) arguments.AppendSwitch("--trim");
        if (!string.IsNullOrWhiteSpace(MaxDuration)) arguments.AppendSwitchIfNotNull("--max-duration ", MaxDuration);
    }
}
