using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Progress;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// Runs one shard: finds the pairs, takes this shard's share, tokenizes them batch by batch and appends the lines in
/// shard order, so every run with the same inputs writes the same bytes, interrupted and resumed or not.
/// </summary>
public sealed class ShardRunner
{
    private readonly ShardJob _job;
    private readonly IWavReader _wavReader;
    private readonly Func<IClipTokenizer> _loadTokenizer;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;
    private readonly TokenCacheOptions? _tokenCache;
    private readonly ShardStageClock _clock = new();
    private readonly ClipErrorLog _clipErrors;
    private volatile ShardOutput? _output;
    private volatile ProgressReporter? _progress;

    /// <param name="loadTokenizer">Called once, and only when some clip still needs tokens; fails with a
    /// <see cref="WorkerFailureException"/> (<see cref="WorkerServices.CreateTokenizer"/>).</param>
    /// <param name="log">stderr: progress and summaries (written from a timer thread too, so it is synchronized here).</param>
    /// <param name="tokenCache">Reuse cached tokens and record new ones; null tokenizes every clip.</param>
    public ShardRunner(ShardJob job, IWavReader wavReader, Func<IClipTokenizer> loadTokenizer, TextWriter log, TimeProvider? time = null,
        TokenCacheOptions? tokenCache = null)
    {
        _tokenCache = tokenCache;
        _job = job;
        _wavReader = wavReader;
        _loadTokenizer = loadTokenizer;
        _log = TextWriter.Synchronized(log);
        _time = time ?? TimeProvider.System;
        _clipErrors = new ClipErrorLog(_log, Prefix, job.Files.Errors);
    }

    private string Prefix => $"[shard {_job.Shard}]";

    /// <summary>Records this run made with the tokenizer.</summary>
    public int Tokenized { get; private set; }

    /// <summary>Records this run made from the token cache instead.</summary>
    public int Reused { get; private set; }

    public ShardResult Run()
    {
        var plan = ResumePlan.Decide(_job, _log, Prefix);
        if (plan.AlreadyDone)
            return new ShardResult(AlreadyDone: true, null);

        var scan = FindPairs();
        var clips = _job.Shard.Select(scan.Pairs);
        CreateOutputDirectory(_job.Files.Output);
        var summary = new ShardSummary(_job, _log, Prefix, _clock, _time);
        using var progress = new ProgressReporter(_job.Shard, clips.Count, _job.Files.Progress, _log, _job.ProgressInterval, _time,
            _job.SettingsHash, plan.EarlierWallSeconds);
        _progress = progress;
        try
        {
            using var output = ShardOutput.Open(_job.Files, plan.Resume, clips);
            _output = output;
            summary.Start(scan, clips.Count, output);
            progress.Start(output.Resumed.Done, output.Resumed.Errors, plan.EarlierReused);
            var totals = TokenizeRemaining(clips, output, progress);
            output.Dispose();
            return new ShardResult(AlreadyDone: false, summary.Finish(progress, totals));
        }
        catch (Exception e)
        {
            progress.Finish(ShardState.Failed);
            if (e is IOException or UnauthorizedAccessException)
                throw new WorkerFailureException($"cannot write the shard output {_job.Files.Output}: {e.Message}", e);
            throw;
        }
    }

    /// <summary>
    /// Prepares the process to exit from another thread (signal, parent gone): waits for a batch being written, blocks
    /// further writes and marks the progress file failed. The caller exits the process right after.
    /// </summary>
    public void StopForExit()
    {
        _output?.HaltWrites();
        _log.WriteLine($"{Prefix} stopping; the batches written so far are kept for a resumed run");
        _progress?.Finish(ShardState.Failed);
    }

    /// <summary>
    /// Tokenizes the clips no earlier run finished. The loader plans every clip of the shard (finished ones too), so the
    /// totals cover the whole shard; the tokenizer is loaded only when some clip still needs it.
    /// </summary>
    private ShardTotals TokenizeRemaining(IReadOnlyList<ClipPair> clips, ShardOutput output, ProgressReporter progress)
    {
        var loader = new BatchLoader(clips, output.Resumed, _wavReader, _job.BatchSeconds, _job.MaxDurationSeconds, _clock);
        double recordSeconds = 0;
        long tokens = output.Resumed.Tokens;
        TokenizerStageTimes? tokenizerTimes = null;
        using (var pipeline = new BatchPipeline(loader, _clock))
        {
            if (pipeline.HasWork)
            {
                using var tokenization = ClipTokenization.Open(_loadTokenizer, _tokenCache, _job.Files, resume: output.Resumed.Done > 0, _clock, _log, Prefix);
                foreach (var batch in pipeline.Batches())
                {
                    var lines = BatchLines.Of(batch, tokenization.Tokenize(batch, progress));
                    foreach (var (pair, error) in lines.Failures)
                        _clipErrors.Add(pair, error);
                    _clock.Time(ShardStageClock.Stage.Write, () => output.AppendBatch(lines.Records, lines.ErrorLines));
                    (recordSeconds, tokens) = (recordSeconds + lines.RecordSeconds, tokens + lines.Tokens);
                    (Tokenized, Reused) = (Tokenized + lines.Tokenized, Reused + lines.Reused);
                    progress.AddBatch(batch.Clips.Count, lines.Failures.Count, lines.AudioSeconds, lines.Reused);
                }
                tokenizerTimes = tokenization.TokenizerTimes;
            }
        }

        return new ShardTotals(loader.Excluded, loader.ResumedRecordSeconds + recordSeconds, tokens, Tokenized, Reused, tokenizerTimes);
    }

    /// <summary>All pairs of the extract dir (the shard command has checked that it exists).</summary>
    private PairScan FindPairs()
    {
        try
        {
            return PairFinder.Find(_job.ExtractDir, _job.ExcludePlaceholder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkerFailureException($"cannot walk the extract dir {_job.ExtractDir}: {e.Message}", e);
        }
    }

    private static void CreateOutputDirectory(string output)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(output));
            if (!string.IsNullOrEmpty(directory))
                Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkerFailureException($"cannot create the folder of {output}: {e.Message}", e);
        }
    }
}
