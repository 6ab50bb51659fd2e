using System.CommandLine;
using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Plan;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Commands;

/// <summary>
/// <c>worker shard</c>: one shard of the extracted archive to JSONL(.gz). A planned run passes <c>--job</c> and the shard
/// index, MSBuild and Slurm alike; the other options are for a shard run by hand.
/// </summary>
internal sealed class ShardCommand
{
    private readonly Option<string?> _job = JobOption.Create();
    private readonly Option<string?> _extractDir = new("--extract-dir")
    {
        Description = "Root of the extracted archive; every .wav with a same-stem .lab in its folder is a pair. (Without --job: required.)",
        HelpName = "DIR",
    };
    private readonly Option<string?> _output = new("--out")
    {
        Description = "Output JSONL; gzip (one member per batch) when it ends in .gz. Beside it: " + ErrorsFile.Suffix + ", .done, .progress.json. " +
                      "Give either --out or --work-dir.",
        HelpName = "FILE",
    };
    private readonly Option<string?> _workDir = new("--work-dir")
    {
        Description = "Write the pipeline's shard-I-of-N.jsonl.gz (or .jsonl with --plain) in this folder instead of --out.",
        HelpName = "DIR",
    };
    private readonly Option<bool> _plain = new("--plain")
    {
        Description = "With --work-dir: write shard-I-of-N.jsonl rather than .jsonl.gz.",
    };
    private readonly Option<int?> _shardCount = new("--shard-count")
    {
        Description = "Number of shards. [default: $SLURM_ARRAY_TASK_COUNT, else $" + ShardSelection.KubernetesCountVariable +
                      " (with $JOB_COMPLETION_INDEX), else 1]",
        HelpName = "N",
    };
    private readonly Option<int?> _shardIndex = new("--shard-index")
    {
        Description = "This shard, 0-based: takes the sorted pairs whose position mod N is I. [default: $SLURM_ARRAY_TASK_ID " +
                      "(minus $SLURM_ARRAY_TASK_MIN, divided by $SLURM_ARRAY_TASK_STEP), else $JOB_COMPLETION_INDEX, else 0]",
        HelpName = "I",
    };
    private readonly Option<bool> _resume = new("--resume")
    {
        Description = "Continue an existing output: keep its complete lines, cut a torn end, skip clips already in the output or " +
                      "errors file. Exit at once when the done record has the same settings; start over when the settings changed.",
    };
    private readonly Option<bool> _noDone = new("--no-done")
    {
        Description = "Neither write nor check the <out>.done record (the shard is then never taken for finished work).",
    };
    private readonly Option<bool> _excludePlaceholder = new("--exclude-placeholder")
    {
        Description = $"Drop pairs under a '{PairFinder.PlaceholderFolder}' folder.",
    };
    private readonly Option<double?> _maxDuration = new("--max-duration")
    {
        Description = "Clips longer than this (by their WAV header) are excluded (an error line of kind 'too long') instead of decoded. [default: no limit]",
        HelpName = "SEC",
    };
    private readonly Option<double> _batchSeconds = new("--batch-seconds")
    {
        Description = "Seconds of audio per tokenizer call (bounds memory); a longer clip forms its own batch.",
        DefaultValueFactory = _ => 120.0,
        HelpName = "S",
    };
    private readonly Option<int?> _parentPid = ParentPidOption.Create(
        $"Exit (code {ExitCodes.ParentExited}) once this process no longer exists, checked every second.");
    private readonly Option<double> _progressInterval = new("--progress-interval")
    {
        Description = "Seconds between progress reports (stderr line and <out>.progress.json).",
        DefaultValueFactory = _ => 2.0,
        HelpName = "SEC",
    };
    private readonly Option<string?> _tokenCache = new("--token-cache")
    {
        Description = "SQLite token cache, read only: clips whose audio and tokenizer settings it has are not tokenized again. " +
                      "New entries go to <out>.cache.jsonl for the merge to add. A file that is not a SpeechPairs token cache (or is one of a " +
                      "newer schema) fails the shard before any work; a missing or unreadable cache is reported and skipped.",
        HelpName = "FILE",
    };
    private readonly TokenizerOptionSet _tokenizer = new(required: false);
    private readonly WorkerContext _context;

    private ShardCommand(WorkerContext context)
    {
        _context = context;
        Command = new Command("shard", "Tokenize one shard of an extracted voice archive into JSONL(.gz) training pairs.");
        foreach (var option in new Option[] { _job, _extractDir, _output, _workDir, _plain, _shardCount, _shardIndex, _resume, _noDone, _excludePlaceholder, _maxDuration })
            Command.Options.Add(option);
        _tokenizer.AddTo(Command);
        Command.Options.Add(_batchSeconds);
        Command.Options.Add(_parentPid);
        Command.Options.Add(_progressInterval);
        Command.Options.Add(_tokenCache);
        // A stop ends the process at once, once no batch is being written: tokenizing runs in native code.
        Command.SetAction(parse => context.RunHosted("shard", () => ParentPidOption.Read(parse, _parentPid), unwind: TimeSpan.Zero, stopping =>
        {
            var (job, setup, cacheFile) = ReadJob(parse);
            if (!Directory.Exists(job.ExtractDir))
                throw new WorkerFailureException(
                    $"extract dir not found on {Environment.MachineName}: {job.ExtractDir} (on a cluster it must be on a filesystem every node sees)");
            if (cacheFile is not null)
                TokenCacheCheck.BeforeWork(cacheFile);
            var services = context.Services();
            var cache = cacheFile is { } cachePath
                ? new TokenCacheOptions(cachePath, () => TokenizerSettingsKey.Compute(setup, TokenizerSettingsKey.MemoPathFor(cachePath)))
                : null;
            var runner = new ShardRunner(job, services.WavReader, () => services.CreateTokenizer(setup), context.Error, tokenCache: cache);
            using var stop = stopping.Register(runner.StopForExit);
            runner.Run();
            return ExitCodes.Success;
        }));
    }

    public Command Command { get; }

    public static Command Create(WorkerContext context) => new ShardCommand(context).Command;

    /// <summary>
    /// The shard job a <c>shard</c> command line describes, parsed and validated by the shard command itself; the Slurm
    /// driver uses it to learn the settings hash and file names of a job it submits.
    /// </summary>
    private (ShardJob Job, TokenizerSetup Setup, string? TokenCache) ReadJob(ParseResult parse)
    {
        if (JobOption.Read(parse, _job) is { } spec)
            return FromSpec(spec, parse);
        var shard = ShardSelection.Resolve(parse.GetValue(_shardCount), parse.GetValue(_shardIndex), _context.Environment);
        var prefix = $"[shard {shard}]";
        var setup = _tokenizer.Read(parse, line => _context.Error.WriteLine($"{prefix} {line}"));
        var files = (parse.GetValue(_output), parse.GetValue(_workDir)) switch
        {
            ({ } output, null) => new ShardFiles(output),
            (null, { } workDir) => ShardFiles.InWorkDir(workDir, shard.Index, shard.Count, gzip: !parse.GetValue(_plain)),
            _ => throw new UsageException("give either --out or --work-dir"),
        };
        var extract = parse.GetValue(_extractDir) ?? throw new UsageException("give --job or --extract-dir");
        var maxSeconds = Positive(parse.GetValue(_maxDuration), "--max-duration");
        var batch = Positive(parse.GetValue(_batchSeconds), "--batch-seconds")!.Value;
        var job = new ShardJob(
            extract,
            files,
            shard,
            parse.GetValue(_resume),
            UseDoneMarker: !parse.GetValue(_noDone),
            parse.GetValue(_excludePlaceholder),
            maxSeconds,
            batch,
            TimeSpan.FromSeconds(Positive(parse.GetValue(_progressInterval), "--progress-interval")!.Value),
            JobIdentities.ForShard(extract, setup.TokenizerDir, JobIdentities.MemoIn(Path.GetDirectoryName(Path.GetFullPath(files.Output))!),
                shard.Count, files.IsGzip, parse.GetValue(_excludePlaceholder), maxSeconds, batch, setup.Tokenize.Dither, setup.Tokenize.Trim,
                setup.Models.Device.ToString()));
        return (job, setup, parse.GetValue(_tokenCache));
    }

    /// <summary>The shard of a planned run: every setting from the spec; the index from --shard-index or the scheduler's environment.</summary>
    private (ShardJob Job, TokenizerSetup Setup, string? TokenCache) FromSpec(JobSpec spec, ParseResult parse)
    {
        var shard = parse.GetValue(_shardIndex) is { } index
            ? new ShardSelection(index, spec.Procs)
            : ShardSelection.Resolve(null, null, _context.Environment);
        if (shard.Count != spec.Procs)
            throw new UsageException($"the scheduler's shard count {shard.Count} is not the job's Procs={spec.Procs}");
        var prefix = $"[shard {shard}]";
        var setup = TokenizerSetup.Of(spec, line => _context.Error.WriteLine($"{prefix} {line}"));
        var job = new ShardJob(spec.ExtractDir, spec.Shard(shard.Index), shard, spec.Resume || parse.GetValue(_resume), UseDoneMarker: true,
            spec.ExcludePlaceholder, spec.MaxDuration, spec.BatchSeconds,
            TimeSpan.FromSeconds(Positive(parse.GetValue(_progressInterval), "--progress-interval")!.Value), spec.Identity);
        return (job, setup, spec.TokenCache);
    }

    private static double? Positive(double? value, string option) =>
        value is null || (double.IsFinite(value.Value) && value > 0)
            ? value
            : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{option} must be a positive number of seconds (got {value})"));
}
