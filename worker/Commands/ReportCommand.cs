using SpeechPairs.Worker.Merge;
using SpeechPairs.Contract;
using System.CommandLine;
using System.Globalization;
using SpeechPairs.Worker.Report;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker report</c>: <c>OUT.stats.json</c> and a self-contained <c>OUT.report.html</c> with charts.</summary>
internal static class ReportCommand
{
    public static Command Create(WorkerContext context)
    {
        var job = JobOption.Create();
        var output = new Option<string?>("--out") { Description = "The merged output (.jsonl or .jsonl.gz). (Without --job: required.)", HelpName = "FILE" };
        var extractDir = new Option<string?>("--extract-dir")
        {
            Description = "The extracted archive (WAV headers for durations and formats, unpaired files). (Without --job: required.)",
            HelpName = "DIR",
        };
        var errors = new Option<string?>("--errors") { Description = "The merged errors file. [default: <out>" + ErrorsFile.Suffix + "]", HelpName = "FILE" };
        var workDir = new Option<string?>("--work-dir") { Description = "The folder of the shards' done records (per-shard table).", HelpName = "DIR" };
        var excludePlaceholder = new Option<bool>("--exclude-placeholder")
        {
            Description = $"Pairs under a '{PairFinder.PlaceholderFolder}' folder were left out (counted as excluded).",
        };
        var examples = new Option<int>("--examples") { Description = "Ids listed per extreme and error kind.", DefaultValueFactory = _ => 10, HelpName = "N" };

        var command = new Command("report", "Write <out>.stats.json and <out>.report.html (one file, opens offline) describing the merged output.");
        foreach (var option in new Option[] { job, output, extractDir, errors, workDir, excludePlaceholder, examples })
            command.Options.Add(option);
        command.SetAction(parse => context.RunHosted("report", () =>
        {
            var spec = JobOption.Read(parse, job);
            var outPath = spec?.Out ?? parse.GetValue(output) ?? throw new UsageException("give --job or --out");
            var options = spec is not null
                ? new ReportOptions(spec.Out, spec.ExtractDir, spec.MergedSet().Errors, spec.WorkDir, spec.ExcludePlaceholder, parse.GetValue(examples))
                : new ReportOptions(outPath, parse.GetValue(extractDir) ?? throw new UsageException("give --job or --extract-dir"),
                    parse.GetValue(errors) ?? new MergedOutputSet(outPath).Errors, parse.GetValue(workDir), parse.GetValue(excludePlaceholder), parse.GetValue(examples));
            if (options.Examples < 0)
                throw new UsageException($"--examples must not be negative (got {options.Examples})");
            if (!File.Exists(options.Output))
                throw new WorkerFailureException($"output not found: {options.Output}");
            var record = MergeRecords.Require(options.Output, required: spec is not null);
            if (!Directory.Exists(options.ExtractDir))
                throw new WorkerFailureException($"extract dir not found: {options.ExtractDir}");
            var stats = ReportWriter.Write(options);
            if (record is not null && (stats.Totals.Clips != record.Records || stats.Totals.Errors != record.Errors))
                throw new WorkerFailureException(
                    $"the report counted {stats.Totals.Clips} clips and {stats.Totals.Errors} errors but the merge record says {record.Records} and {record.Errors}; run the merge again");
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"report: {stats.Totals.Clips} clips, {stats.Totals.AudioHours:0.000} h, {stats.Totals.Errors} errors -> {options.HtmlPath}, {options.StatsPath}"));
            return ExitCodes.Success;
        }));
        return command;
    }
}
