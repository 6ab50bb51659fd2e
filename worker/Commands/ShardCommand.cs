using System.CommandLine;
using System.Globalization;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker shard</c>: one shard of the extracted archive to JSONL(.gz).</summary>
internal static class ShardCommand
{
    public static Command Create(WorkerContext context)
    {
        var extractDir = new Option<string>("--extract-dir")
        {
            Description = "Root of the extracted archive; every .wav with a same-stem .lab in its folder is a pair.",
            Required = true,
            HelpName = "DIR",
        };
        var output = new Option<string>("--out")
        {
            Description = "Output JSONL; gzip (one member per batch) when it ends in .gz. Beside it: .errors.jsonl, .done, .progress.json.",
            Required = true,
            HelpName = "FILE",
        };
        var shardCount = new Option<int?>("--shard-count")
        {
            Description = "Number of shards. [default: $SLURM_ARRAY_TASK_COUNT, else $" + ShardSelection.KubernetesCountVariable +
                          " (with $JOB_COMPLETION_INDEX), else 1]",
            HelpName = "N",
        };
        var shardIndex = new Option<int?>("--shard-index")
        {
            Description = "This shard, 0-based: takes the sorted pairs whose position mod N is I. [default: $SLURM_ARRAY_TASK_ID " +
                          "(minus $SLURM_ARRAY_TASK_MIN, divided by $SLURM_ARRAY_TASK_STEP), else $JOB_COMPLETION_INDEX, else 0]",
            HelpName = "I",
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue an existing output: keep its complete lines, cut a torn end, skip clips already in the output or " +
                          "errors file. With a done marker (and no --no-done) exit at once.",
        };
        var noDone = new Option<bool>("--no-done")
        {
            Description = "Neither write nor check the <out>.done marker (the pipeline keeps its own).",
        };
        var excludePlaceholder = new Option<bool>("--exclude-placeholder")
        {
            Description = $"Drop pairs under a '{PairFinder.PlaceholderFolder}' folder.",
        };
        var maxDuration = new Option<double?>("--max-duration")
        {
            Description = "Clips longer than this (by their WAV header) become errors instead of being decoded. [default: no limit]",
            HelpName = "SEC",
        };
        var batchSeconds = new Option<double>("--batch-seconds")
        {
            Description = "Seconds of audio per tokenizer call (bounds memory); a longer clip forms its own batch.",
            DefaultValueFactory = _ => 120.0,
            HelpName = "S",
        };
        var parentPid = new Option<int?>("--parent-pid")
        {
            Description = $"Exit (code {ExitCodes.ParentExited}) once this process no longer exists, checked every second.",
            HelpName = "PID",
        };
        var progressInterval = new Option<double>("--progress-interval")
        {
            Description = "Seconds between progress reports (stderr line and <out>.progress.json).",
            DefaultValueFactory = _ => 2.0,
            HelpName = "SEC",
        };
        var tokenCache = new Option<string?>("--token-cache")
        {
            Description = "SQLite token cache, read only: clips whose audio and tokenizer settings it has are not tokenized again. " +
                          "New entries go to <out>.cache.jsonl for the merge to add. A missing or unusable cache is reported and skipped.",
            HelpName = "FILE",
        };
        var tokenizer = new TokenizerOptionSet();

        var command = new Command("shard", "Tokenize one shard of an extracted voice archive into JSONL(.gz) training pairs.");
        foreach (var option in new Option[] { extractDir, output, shardCount, shardIndex, resume, noDone, excludePlaceholder, maxDuration })
            command.Options.Add(option);
        tokenizer.AddTo(command);
        command.Options.Add(batchSeconds);
        command.Options.Add(parentPid);
        command.Options.Add(progressInterval);
        command.Options.Add(tokenCache);

        command.SetAction(parse => context.Run("shard", () =>
        {
            var shard = ShardSelection.Resolve(parse.GetValue(shardCount), parse.GetValue(shardIndex), context.Environment);
            var job = new ShardJob(
                parse.GetRequiredValue(extractDir),
                new ShardFiles(parse.GetRequiredValue(output)),
                shard,
                parse.GetValue(resume),
                UseDoneMarker: !parse.GetValue(noDone),
                parse.GetValue(excludePlaceholder),
                Positive(parse.GetValue(maxDuration), "--max-duration"),
                Positive(parse.GetValue(batchSeconds), "--batch-seconds")!.Value,
                TimeSpan.FromSeconds(Positive(parse.GetValue(progressInterval), "--progress-interval")!.Value));
            var pid = parse.GetValue(parentPid);
            if (pid is <= 0)
                throw new UsageException($"--parent-pid must be a process id (got {pid})");
            if (!Directory.Exists(job.ExtractDir))
                throw new WorkerFailureException($"extract dir not found: {job.ExtractDir}");
            var prefix = $"[shard {shard}]";
            var setup = tokenizer.Read(parse, line => context.Error.WriteLine($"{prefix} {line}"));
            var services = context.Services();
            var cache = parse.GetValue(tokenCache) is { } cachePath ? new TokenCacheOptions(cachePath, () => TokenizerSettingsKey.Compute(setup, TokenizerSettingsKey.MemoPathFor(cachePath))) : null;
            var runner = new ShardRunner(job, services.WavReader, () => services.CreateTokenizer(setup), context.Error, tokenCache: cache);
            return RunGuarded(runner, pid, context);
        }));
        return command;
    }

    /// <summary>Runs the shard with Ctrl+C/SIGTERM and the parent watcher turned into orderly exits.</summary>
    private static int RunGuarded(ShardRunner runner, int? parentPid, WorkerContext context)
    {
        using var signals = new ExitSignals(runner.StopForExit, context.ExitProcess);
        using var watcher = parentPid is { } pid
            ? new ParentProcessWatcher(pid, TimeSpan.FromSeconds(1), context.IsProcessAlive,
                () => signals.Exit($"parent process {pid} has exited", ExitCodes.ParentExited))
            : null;
        runner.Run();
        return ExitCodes.Success;
    }

    private static double? Positive(double? value, string option) =>
        value is null || (double.IsFinite(value.Value) && value > 0)
            ? value
            : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{option} must be a positive number of seconds (got {value})"));
}
