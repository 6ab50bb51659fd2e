using SpeechPairs.Worker.Merge;
using SpeechPairs.Contract;
using System.CommandLine;
using System.Globalization;
using SpeechPairs.Worker.Verify;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker verify</c>: proves the merged output complete and consistent with the extracted tree.</summary>
internal static class VerifyCommand
{
    public static Command Create(WorkerContext context)
    {
        var job = JobOption.Create();
        var output = new Option<string?>("--out")
        {
            Description = "The merged output (.jsonl or .jsonl.gz). (Without --job: required.)",
            HelpName = "FILE",
        };
        var extractDir = new Option<string?>("--extract-dir")
        {
            Description = "The extracted archive the output was made from. (Without --job: required.)",
            HelpName = "DIR",
        };
        var errors = new Option<string?>("--errors")
        {
            Description = "The merged errors file. [default: <out>" + ErrorsFile.Suffix + "]",
            HelpName = "FILE",
        };
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "The folder of the shard outputs and done records; with --shard-count, each shard is checked against the merged file.",
            HelpName = "DIR",
        };
        var shardCount = new Option<int?>("--shard-count") { Description = "Shards in --work-dir.", HelpName = "N" };
        var excludePlaceholder = new Option<bool>("--exclude-placeholder")
        {
            Description = $"Pairs under a '{PairFinder.PlaceholderFolder}' folder were left out on purpose.",
        };
        var maxDuration = new Option<double?>("--max-duration")
        {
            Description = "Clips longer than this were left out with a 'too long:' error line.",
            HelpName = "SEC",
        };
        var trim = new Option<bool>("--trim") { Description = "The tokenizer trimmed silence: a clip may have fewer tokens than its length gives." };
        var examples = new Option<int>("--examples")
        {
            Description = "Examples shown per kind of problem.",
            DefaultValueFactory = _ => 5,
            HelpName = "N",
        };

        var command = new Command("verify",
            "Check the merged output against the extracted tree, the errors file and the shards. Exit 0 verified, 1 problems found or cannot verify, 2 bad arguments.");
        foreach (var option in new Option[] { job, output, extractDir, errors, workDir, shardCount, excludePlaceholder, maxDuration, trim, examples })
            command.Options.Add(option);

        command.SetAction(parse => context.RunHosted("verify", () =>
        {
            var spec = JobOption.Read(parse, job);
            var outPath = spec?.Out ?? parse.GetValue(output) ?? throw new UsageException("give --job or --out");
            var options = spec is not null
                ? new VerifyOptions(spec.Out, spec.ExtractDir, spec.MergedSet().Errors, spec.WorkDir, spec.Procs, spec.ExcludePlaceholder,
                    spec.MaxDuration, spec.Trim, parse.GetValue(examples))
                : new VerifyOptions(
                    outPath,
                    parse.GetValue(extractDir) ?? throw new UsageException("give --job or --extract-dir"),
                    parse.GetValue(errors) ?? new MergedOutputSet(outPath).Errors,
                    parse.GetValue(workDir),
                    parse.GetValue(shardCount),
                    parse.GetValue(excludePlaceholder),
                    parse.GetValue(maxDuration),
                    parse.GetValue(trim),
                    parse.GetValue(examples));
            if ((options.WorkDir is null) != (options.ShardCount is null))
                throw new UsageException("--work-dir and --shard-count go together");
            if (options.Examples < 0)
                throw new UsageException($"--examples must not be negative (got {options.Examples})");
            if (options.MaxDurationSeconds is { } max && !(double.IsFinite(max) && max > 0))
                throw new UsageException($"--max-duration must be a positive number of seconds (got {max})");
            if (!Directory.Exists(options.ExtractDir))
                throw new WorkerFailureException($"extract dir not found: {options.ExtractDir}");
            if (!File.Exists(options.Output))
                throw new WorkerFailureException($"output not found: {options.Output}");
            MergeRecords.Require(options.Output, required: spec is not null);
            if (options.WorkDir is { } dir && !Directory.Exists(dir))
                throw new WorkerFailureException($"work dir not found: {dir}");

            var result = new OutputVerifier(options).Run();
            var summary = Summary(result);
            if (result.Verified)
            {
                context.Output.WriteLine($"verified: {summary}");
                return ExitCodes.Success;
            }

            context.Error.WriteLine($"worker verify: {result.Problems.Counts.Values.Sum()} problems in {options.Output} ({summary})");
            context.Error.Write(result.Problems.Describe());
            return ExitCodes.Failed;
        }));
        return command;
    }

    private static string Summary(VerifyResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Pairs} pairs: {r.Records} records, {r.Errors} errors, {r.TooLong} too long; {r.Placeholder} placeholder pairs left out; " +
        $"unpaired {r.UnpairedWav} wav, {r.UnpairedLab} lab; {r.Tokens} tokens, {r.AudioSeconds / 3600:0.000} h; {r.ShardsChecked} shards checked");
}
