using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Progress;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// Runs one shard: finds the pairs, takes this shard's share, tokenizes them batch by batch and appends the lines in
/// shard order, so every run with the same inputs writes the same bytes, interrupted and resumed or not. The next
/// batch is decoded on a background task while the current one is tokenized (one batch ahead, no more).
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
    private ShardTokenCache? _cache;
    private IClipTokenizer? _tokenizer;
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
    public void StopForExit(string reason)
    {
        _output?.HaltWrites();
        _log.WriteLine($"{Prefix} stopping: {reason}");
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
        var first = _clock.Time(ShardStageClock.Stage.DecodeWait, loader.LoadNext);
        if (first is not null)
        {
            // With a cache the models are loaded on the first miss only: a run of all hits never loads them.
            IClipTokenizer? loaded = _tokenCache is null ? LoadTokenizer() : null;
            IClipTokenizer Tokenizer() => loaded ??= LoadTokenizer();
            using var cache = _tokenCache is null ? null : ShardTokenCache.Open(_tokenCache, _job.Files.Output, resume: output.Resumed.Done > 0, _log, Prefix);
            _cache = cache;
            var next = Task.FromResult<PreparedBatch?>(first);
            try
            {
                while (_clock.Time(ShardStageClock.Stage.DecodeWait, () => next.GetAwaiter().GetResult()) is { } batch)
                {
                    next = Task.Run(loader.LoadNext);
                    var reusedBefore = Reused;
                    var result = Tokenize(batch, Tokenizer);
                    _clock.Time(ShardStageClock.Stage.Write, () => output.AppendBatch(result.Records, result.Errors));
                    recordSeconds += result.RecordSeconds;
                    tokens += result.Tokens;
                    progress.AddBatch(batch.Clips.Count, result.Errors.Count, result.AudioSeconds, Reused - reusedBefore);
                }
            }
            finally
            {
                // Never leave the decoder running behind a failure: it holds files open and the caller may retry.
                ((IAsyncResult)next).AsyncWaitHandle.WaitOne();
                loaded?.Dispose();
            }
        }

        return new ShardTotals(loader.Excluded, loader.ResumedRecordSeconds + recordSeconds, tokens, Tokenized, Reused, _tokenizer?.Times);
    }

    /// <summary>A tokenized batch: its lines, and the audio and tokens of its records.</summary>
    private sealed record BatchResult(List<string> Records, List<string> Errors, double AudioSeconds, double RecordSeconds, long Tokens);

    private IClipTokenizer LoadTokenizer()
    {
        _tokenizer = _clock.Time(ShardStageClock.Stage.ModelLoad, _loadTokenizer);
        // The first progress line comes after the first batch: say what the first seconds went to.
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Prefix} tokenizer loaded in {_clock.ModelLoadSeconds:0.0} s"));
        return _tokenizer;
    }

    /// <summary>Tokenizes a batch and turns every clip, in order, into an output line or an error line.</summary>
    private BatchResult Tokenize(PreparedBatch batch, Func<IClipTokenizer> tokenizer)
    {
        var audio = batch.Clips.Where(c => c.Audio is not null).Select(c => c.Audio!).ToList();
        var (outcomes, fromCache) = TokenizeMisses(batch, audio, tokenizer);
        var records = new List<string>(audio.Count);
        var errors = new List<string>();
        double recordSeconds = 0;
        long tokens = 0;
        var next = 0;
        double secondsBefore = 0;
        foreach (var clip in batch.Clips)
        {
            var error = clip.Error;
            if (error is null)
            {
                var (outcome, cached, unreadable) = clip.Long is null
                    ? (outcomes[next], fromCache[next++], null)
                    : TokenizeLong(clip, tokenizer, secondsBefore);
                if (unreadable is not null)
                    error = unreadable;
                else if (outcome.Tokens is null)
                    error = "tokenizer: " + Messages.FirstLine(outcome.Error ?? "no tokens and no reason given");
                else if (outcome.Tokens.Tokens.Length == 0)
                    error = string.Create(CultureInfo.InvariantCulture,
                        $"no tokens: clip too short ({clip.Seconds:0.000} s)");
                else
                {
                    records.Add(PairLines.Record(clip.Pair, clip.Text!, outcome.Tokens.Tokens, clip.SampleRate));
                    if (cached)
                        Reused++;
                    else
                        Tokenized++;
                    recordSeconds += clip.Seconds;
                    tokens += outcome.Tokens.Tokens.AsSpan().Count("<audio_");
                }
            }

            if (error is not null)
            {
                errors.Add(PairLines.Error(clip.Pair, error));
                _clipErrors.Add(clip.Pair, error);
            }
            secondsBefore += clip.Seconds;
        }

        return new BatchResult(records, errors, batch.AudioSeconds, recordSeconds, tokens);
    }

    /// <summary>
    /// A long clip, part by part from its file, with progress inside it; never from the token cache, whose keys are
    /// those of clips decoded whole. A file that turns out unreadable is the clip's <c>wav:</c> error, as for any clip.
    /// </summary>
    private (ClipOutcome Outcome, bool FromCache, string? Unreadable) TokenizeLong(PreparedClip clip, Func<IClipTokenizer> tokenizer, double batchSecondsBefore)
    {
        try
        {
            return (tokenizer().TokenizeLong(clip.Pair.WavPath, done => _progress?.InClip(done / clip.Seconds, batchSecondsBefore + done)), false, null);
        }
        catch (AudioFormatException e)
        {
            return (new ClipOutcome(null, null), false, BatchLoader.WavError(e));
        }
        catch (Exception e) when (e is not WorkerFailureException)
        {
            return (new ClipOutcome(null, Messages.FirstLine(e.Message)), false, null);
        }
    }

    /// <summary>
    /// The outcome of every clip: from the cache when it has the clip (step 1), else from the tokenizer, whose results
    /// are then recorded for the merge (step 2) before the batch's output is written. Without a cache, all tokenized.
    /// </summary>
    private (IReadOnlyList<ClipOutcome> Outcomes, bool[] FromCache) TokenizeMisses(PreparedBatch batch, List<DecodedAudio> audio, Func<IClipTokenizer> tokenizer)
    {
        var cached = _cache?.Lookup(batch.Clips.Where(c => c.Audio is not null).Select(c => (c.Pair.Id, c.Audio!)).ToList())
                     ?? new ClipTokens?[audio.Count];
        var misses = audio.Where((_, i) => cached[i] is null).ToList();
        var fresh = misses.Count == 0 ? [] : TokenizeBatch(tokenizer(), misses);
        _cache?.Record(misses, fresh);
        var next = 0;
        return (cached.Select(hit => hit is not null ? new ClipOutcome(hit, null) : fresh[next++]).ToList(), cached.Select(hit => hit is not null).ToArray());
    }

    /// <summary>
    /// One call for the batch. A failing clip is isolated by the tokenizer library, not here: its batch call gives every
    /// clip its own outcome (<c>Vq0206Tokenizer.TokenizeBatch</c>). A call that throws or miscounts is the tokenizer
    /// failing, not a clip, so it fails the shard instead of being retried clip by clip.
    /// </summary>
    private static IReadOnlyList<ClipOutcome> TokenizeBatch(IClipTokenizer tokenizer, List<DecodedAudio> audio)
    {
        IReadOnlyList<ClipOutcome> outcomes;
        try
        {
            outcomes = tokenizer.TokenizeBatch(audio);
        }
        catch (Exception e) when (e is not WorkerFailureException)
        {
            throw new WorkerFailureException($"the tokenizer failed on a batch of {audio.Count} clips: {Messages.FirstLine(e.Message)}", e);
        }

        return outcomes.Count == audio.Count
            ? outcomes
            : throw new WorkerFailureException($"the tokenizer returned {outcomes.Count} outcomes for {audio.Count} clips");
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
