using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Worker;

/// <summary>How a shard run ended (a shard that could not run throws <see cref="WorkerFailureException"/> instead).</summary>
/// <param name="AlreadyDone">The done marker of an earlier run was found; nothing was touched.</param>
/// <param name="Progress">The final counts; null when <paramref name="AlreadyDone"/>.</param>
public sealed record ShardResult(bool AlreadyDone, ProgressSnapshot? Progress);

/// <summary>
/// Runs one shard: finds the pairs, takes this shard's share, tokenizes them batch by batch and appends the lines in
/// shard order, so every run with the same inputs writes the same bytes, interrupted and resumed or not. The next
/// batch is decoded on a background task while the current one is tokenized (one batch ahead, no more).
/// </summary>
public sealed class ShardRunner
{
    /// <summary>Clip errors echoed on stderr; the rest are only in the errors file.</summary>
    private const int ClipErrorsShown = 20;

    /// <summary>Unpaired files named in the start summary; <c>worker report</c> lists them all.</summary>
    private const int UnpairedShown = 10;

    private readonly ShardJob _job;
    private readonly IWavReader _wavReader;
    private readonly Func<IClipTokenizer> _loadTokenizer;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;
    private readonly TokenCacheOptions? _tokenCache;
    private ShardTokenCache? _cache;
    private readonly ShardStageClock _clock = new();
    private IClipTokenizer? _tokenizer;
    private volatile ShardOutput? _output;
    private volatile ProgressReporter? _progress;
    private int _clipErrorsLogged;

    /// <param name="loadTokenizer">Called once, and only when some clip still needs tokens.</param>
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
    }

    private string Prefix => $"[shard {_job.Shard}]";

    /// <summary>Records this run made with the tokenizer.</summary>
    public int Tokenized { get; private set; }

    /// <summary>Records this run made from the token cache instead.</summary>
    public int Reused { get; private set; }

    public ShardResult Run()
    {
        var files = _job.Files;
        var resume = _job.Resume;
        if (resume && _job.UseDoneMarker && DoneRecord.TryRead(files.Done) is { } done)
        {
            if (done.SettingsHash == _job.SettingsHash)
            {
                _log.WriteLine($"{Prefix} already done ({files.Done}: {done.Records} records, {done.Errors} errors); nothing to do");
                return new ShardResult(AlreadyDone: true, null);
            }
            _log.WriteLine($"{Prefix} {files.Done} was made with other settings; starting over");
            resume = false;
        }

        var earlier = resume ? ProgressDocument.TryRead(files.Progress) : null;
        if (earlier?.SettingsHash is { } earlierHash && earlierHash != _job.SettingsHash)
        {
            _log.WriteLine($"{Prefix} the partial output {files.Output} was made with other settings; starting over");
            resume = false;
            earlier = null;
        }

        var scan = FindPairs();
        var clips = _job.Shard.Select(scan.Pairs);
        CreateOutputDirectory(files.Output);
        using var progress = new ProgressReporter(_job.Shard, clips.Count, files.Progress, _log, _job.ProgressInterval, _time,
            _job.SettingsHash, earlier?.WallSeconds ?? 0);
        _progress = progress;
        try
        {
            using var output = ShardOutput.Open(files, resume, clips);
            _output = output;
            LogStart(scan, clips.Count, output);
            progress.Start(output.Resumed.Done, output.Resumed.Errors, earlier?.Reused ?? 0);
            var totals = TokenizeRemaining(clips, output, progress);
            output.Dispose();
            var final = progress.Current(ShardState.Done);
            if (_job.UseDoneMarker)
                DoneRecordFor(final, totals).Write(files.Done);
            final = progress.Finish(ShardState.Done);
            LogEnd(final, totals);
            return new ShardResult(AlreadyDone: false, final);
        }
        catch (Exception e)
        {
            progress.Finish(ShardState.Failed);
            if (e is IOException or UnauthorizedAccessException)
                throw new WorkerFailureException($"cannot write the shard output {files.Output}: {e.Message}", e);
            throw;
        }
    }

    private DoneRecord DoneRecordFor(ProgressSnapshot final, ShardTotals totals)
    {
        var records = final.Done - final.Errors;
        return new DoneRecord(
            DoneRecord.CurrentVersion,
            _job.Shard.Index,
            _job.Shard.Count,
            _job.SettingsHash,
            records,
            final.Errors - totals.Excluded,
            totals.Excluded,
            Math.Round(totals.RecordSeconds, 3),
            totals.Tokens,
            records - final.Reused,
            final.Reused,
            Math.Round(final.EarlierRunsSeconds + final.ElapsedSeconds, 1),
            Math.Round(PeakMemoryMb(), 0),
            _time.GetUtcNow(),
            _clock.Read(_tokenizer?.Times));
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

    private PairScan FindPairs()
    {
        if (!Directory.Exists(_job.ExtractDir))
            throw new WorkerFailureException($"extract dir not found: {_job.ExtractDir}");
        try
        {
            return PairFinder.Find(_job.ExtractDir, _job.ExcludePlaceholder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkerFailureException($"cannot walk the extract dir {_job.ExtractDir}: {e.Message}", e);
        }
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

        return new ShardTotals(loader.Excluded, loader.ResumedRecordSeconds + recordSeconds, tokens);
    }

    /// <summary>What the done record needs beyond the progress counts, over the whole shard.</summary>
    private sealed record ShardTotals(int Excluded, double RecordSeconds, long Tokens);

    /// <summary>A tokenized batch: its lines, and the audio and tokens of its records.</summary>
    private sealed record BatchResult(List<string> Records, List<string> Errors, double AudioSeconds, double RecordSeconds, long Tokens);

    private IClipTokenizer LoadTokenizer()
    {
        try
        {
            _tokenizer = _clock.Time(ShardStageClock.Stage.ModelLoad, _loadTokenizer);
            // The first progress line comes after the first batch: say what the first seconds went to.
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Prefix} tokenizer loaded in {_clock.ModelLoadSeconds:0.0} s"));
            return _tokenizer;
        }
        catch (Exception e) when (e is not WorkerFailureException)
        {
            throw new WorkerFailureException($"cannot load the tokenizer: {Messages.FirstLine(e.Message)}", e);
        }
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
                    error = ErrorKinds.Error(ErrorKinds.Tokenizer, Messages.FirstLine(outcome.Error ?? "no tokens and no reason given"));
                else if (outcome.Tokens.Tokens.Length == 0)
                    error = ErrorKinds.Error(ErrorKinds.NoTokens, string.Create(CultureInfo.InvariantCulture,
                        $"clip too short ({clip.Seconds:0.000} s)"));
                else
                {
                    records.Add(clip.Pair.Record(clip.Text!, outcome.Tokens.Tokens, clip.SampleRate).ToLine());
                    if (cached)
                        Reused++;
                    else
                        Tokenized++;
                    recordSeconds += clip.Seconds;
                    tokens += outcome.Tokens.Tokens.AsSpan().Count(TokenMerger.TokenPrefix);
                }
            }

            if (error is not null)
            {
                errors.Add(clip.Pair.ErrorRecord(error).ToLine());
                LogClipError(clip.Pair, error);
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
        var fresh = misses.Count == 0 ? [] : TokenizeIsolatingFailures(tokenizer(), misses);
        _cache?.Record(misses, fresh);
        var next = 0;
        return (cached.Select(hit => hit is not null ? new ClipOutcome(hit, null) : fresh[next++]).ToList(), cached.Select(hit => hit is not null).ToArray());
    }

    /// <summary>
    /// One call for the batch; if it throws (or miscounts), each clip again on its own, so a clip that breaks the model
    /// costs only its own line. Safe because a clip's tokens do not depend on its batch.
    /// </summary>
    private IReadOnlyList<ClipOutcome> TokenizeIsolatingFailures(IClipTokenizer tokenizer, List<DecodedAudio> audio)
    {
        if (audio.Count == 0)
            return [];
        try
        {
            var outcomes = tokenizer.TokenizeBatch(audio);
            if (outcomes.Count == audio.Count)
                return outcomes;
            _log.WriteLine($"{Prefix} the tokenizer returned {outcomes.Count} outcomes for {audio.Count} clips; retrying them one by one");
        }
        catch (Exception e)
        {
            _log.WriteLine($"{Prefix} the tokenizer failed on a batch of {audio.Count} clips ({Messages.FirstLine(e.Message)}); retrying them one by one");
        }

        return audio.Select(clip => TokenizeAlone(tokenizer, clip)).ToList();
    }

    private static ClipOutcome TokenizeAlone(IClipTokenizer tokenizer, DecodedAudio clip)
    {
        try
        {
            var outcomes = tokenizer.TokenizeBatch([clip]);
            return outcomes.Count == 1 ? outcomes[0] : new ClipOutcome(null, $"{outcomes.Count} outcomes for one clip");
        }
        catch (Exception e)
        {
            return new ClipOutcome(null, Messages.FirstLine(e.Message));
        }
    }

    private void LogClipError(ClipPair pair, string error)
    {
        var logged = ++_clipErrorsLogged;
        if (logged <= ClipErrorsShown)
            _log.WriteLine($"{Prefix} skipped {pair.RelWav} ({error})");
        if (logged == ClipErrorsShown)
            _log.WriteLine($"{Prefix} further skipped clips are listed in {_job.Files.Errors} only");
    }

    private void LogStart(PairScan scan, int shardClips, ShardOutput output)
    {
        var resumed = output.Resumed;
        _log.WriteLine(
            $"{Prefix} {scan.Pairs.Count} pairs in {_job.ExtractDir} (unpaired {scan.UnpairedWav} wav, {scan.UnpairedLab} lab; " +
            $"placeholder excluded {scan.PlaceholderPairsExcluded}; id collisions {scan.IdCollisions}) | this shard {shardClips} clips | " +
            $"resumed {resumed.Done} ({resumed.Records} records, {resumed.Errors} errors; {output.DroppedBytes} torn bytes cut) | " +
            $"output {_job.Files.Output}");
        // Every shard walks the same tree, so every shard names the same files; none of them owns these. One a line:
        // names hold commas and spaces.
        foreach (var file in scan.Unpaired.Take(UnpairedShown))
            _log.WriteLine($"{Prefix} unpaired: {PairFinder.Spelled(file)}");
        if (scan.Unpaired.Count > UnpairedShown)
            _log.WriteLine($"{Prefix} unpaired: {scan.Unpaired.Count - UnpairedShown} more (worker report lists them all)");
    }

    private void LogEnd(ProgressSnapshot final, ShardTotals totals)
    {
        var thisRun = final.Done - final.Resumed;
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Prefix} finished {final.Done}/{final.Total} clips in {ProgressSnapshot.FormatDuration(final.ElapsedSeconds)} " +
            $"({final.Done - final.Errors} records, {final.Errors - totals.Excluded} errors, {totals.Excluded} excluded; " +
            $"{thisRun} this run, {final.Resumed} resumed; {totals.Tokens} tokens) | " +
            $"{final.AudioSeconds:0.0} s of audio | {final.ClipsPerSecond:0.0} clips/s | {final.AudioSecondsPerSecond:0.0}x realtime | " +
            $"peak memory {PeakMemoryMb():0} MB | tokenized {Tokenized}, reused {Reused} from the token cache"));
    }

    // Peak resident set (VmHWM) on Linux; the runtime's peak working set elsewhere.
    private static double PeakMemoryMb()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return double.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / 1048576.0;
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
