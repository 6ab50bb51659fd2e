using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker report</c>: <c>Out.stats.json</c> and the self-contained <c>Out.report.html</c>.</summary>
public sealed class WriteReport : WorkerTool
{
    [Required] public string Output { get; set; } = "";
    [Required] public string ExtractDir { get; set; } = "";
    [Required] public string WorkDir { get; set; } = "";
    public bool ExcludePlaceholder { get; set; }

    protected override string Command => "report";

    protected override string Subject => $"The report on '{Output}'";

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--out ", Output);
        arguments.AppendSwitchIfNotNull("--extract-dir ", Path.TrimEndingDirectorySeparator(ExtractDir));
        arguments.AppendSwitchIfNotNull("--work-dir ", Path.TrimEndingDirectorySeparator(WorkDir));
        if (ExcludePlaceholder) arguments.AppendSwitch("--exclude-placeholder");
    }
}
