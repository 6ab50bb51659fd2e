using System.CommandLine;
using System.Globalization;
using SpeechPairs.Worker.Report;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker report</c>: <c>OUT.stats.json</c> and a self-contained <c>OUT.report.html</c> with charts.</summary>
internal static class ReportCommand
{
    public static Command Create(WorkerContext context)
    {
        var output = new Option<string>("--out") { Description = "The merged output (.jsonl or .jsonl.gz).", Required = true, HelpName = "FILE" };
        var extractDir = new Option<string>("--extract-dir")
        {
            Description = "The extracted archive (WAV headers for durations and formats, unpaired files).",
            Required = true,
            HelpName = "DIR",
        };
        var errors = new Option<string?>("--errors") { Description = "The merged errors file. [default: <out>.errors.jsonl]", HelpName = "FILE" };
        var workDir = new Option<string?>("--work-dir") { Description = "The folder of the shards' done records (per-shard table).", HelpName = "DIR" };
        var excludePlaceholder = new Option<bool>("--exclude-placeholder")
        {
            Description = $"Pairs under a '{PairFinder.PlaceholderFolder}' folder were left out (counted as excluded).",
        };
        var examples = new Option<int>("--examples") { Description = "Ids listed per extreme and error kind.", DefaultValueFactory = _ => 10, HelpName = "N" };

        var command = new Command("report", "Write <out>.stats.json and <out>.report.html (one file, opens offline) describing the merged output.");
        foreach (var option in new Option[] { output, extractDir, errors, workDir, excludePlaceholder, examples })
            command.Options.Add(option);
        command.SetAction(parse => context.Run("report", () =>
        {
            var outPath = parse.GetRequiredValue(output);
            var options = new ReportOptions(outPath, parse.GetRequiredValue(extractDir), parse.GetValue(errors) ?? outPath + ".errors.jsonl",
                parse.GetValue(workDir), parse.GetValue(excludePlaceholder), parse.GetValue(examples));
            if (options.Examples < 0)
                throw new UsageException($"--examples must not be negative (got {options.Examples})");
            if (!File.Exists(options.Output))
                throw new WorkerFailureException($"output not found: {options.Output}");
            if (!Directory.Exists(options.ExtractDir))
                throw new WorkerFailureException($"extract dir not found: {options.ExtractDir}");
            var stats = ReportWriter.Write(options);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"report: {stats.Totals.Clips} clips, {stats.Totals.AudioHours:0.000} h, {stats.Totals.Errors} errors -> {options.HtmlPath}, {options.StatsPath}"));
            return ExitCodes.Success;
        }));
        return command;
    }
}
