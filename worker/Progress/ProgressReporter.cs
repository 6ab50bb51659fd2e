using SpeechPairs.Contract;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.Progress;

/// <summary>
/// Reports a shard's progress every <c>interval</c> (and at the end): a human line on stderr and
/// <c>&lt;out&gt;.progress.json</c>, replaced atomically. A progress file that cannot be written is reported once and
/// never stops the shard.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private readonly ShardSelection _shard;
    private readonly string _progressPath;
    private readonly TextWriter _log;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly int _total;
    private readonly string? _settingsHash;
    private readonly double _earlierRunsSeconds;
    private ITimer? _timer;
    private long? _startTimestamp;
    private long _lastReportTimestamp;
    private double? _countedSeconds;
    private int _done, _errors, _resumed, _reused;
    private double _audioSeconds;
    private double _inClip, _inClipSeconds;
    private bool _finished, _progressFileFailed;

    /// <param name="settingsHash">Written into the progress document, so a resume can tell whether it is the same job.</param>
    /// <param name="earlierRunsSeconds">Wall time of the earlier runs of this shard (a resume continues their total).</param>
    public ProgressReporter(ShardSelection shard, int total, string progressPath, TextWriter log, TimeSpan interval, TimeProvider time,
        string? settingsHash = null, double earlierRunsSeconds = 0)
    {
        _settingsHash = settingsHash;
        _earlierRunsSeconds = earlierRunsSeconds;
        _shard = shard;
        _total = total;
        _progressPath = progressPath;
        _log = log;
        _interval = interval;
        _time = time;
    }

    /// <summary>Starts the clock and the periodic reports, counting what earlier runs finished.</summary>
    public void Start(int resumed, int resumedErrors, int resumedReused = 0)
    {
        lock (_gate)
        {
            _done = _resumed = resumed;
            _errors = resumedErrors;
            _reused = resumedReused;
            _startTimestamp = _lastReportTimestamp = _time.GetTimestamp();
            WriteProgressFile(Snapshot(ShardState.Running));
        }

        _timer = _time.CreateTimer(_ => Report(), null, _interval, _interval);
    }

    /// <summary>Counts a written batch: clips finished (errors included), of which errors, and seconds of audio tokenized.</summary>
    /// <param name="reused">Clips of the batch whose tokens came from the token cache.</param>
    public void AddBatch(int clips, int errors, double audioSeconds, int reused = 0)
    {
        lock (_gate)
        {
            _reused += reused;
            _done += clips;
            _errors += errors;
            _audioSeconds += audioSeconds;
            (_inClip, _inClipSeconds) = (0, 0);
            _countedSeconds = ElapsedSeconds();
        }
    }

    /// <summary>
    /// Counts progress inside a batch that a long clip keeps busy: the fraction of that clip done and the batch's audio
    /// seconds done so far, so that the rates and the ETA move while it runs. The next <see cref="AddBatch"/> replaces it.
    /// When a report is due it is made here, on the caller's thread: the timer's thread-pool callback can be held up
    /// for seconds on a machine whose pool is busy, and a part of a long clip is exactly when a report is wanted.
    /// </summary>
    public void InClip(double fraction, double batchSecondsDone)
    {
        bool due;
        lock (_gate)
        {
            (_inClip, _inClipSeconds) = (Math.Clamp(fraction, 0, 1), batchSecondsDone);
            _countedSeconds = ElapsedSeconds();
            due = _time.GetElapsedTime(_lastReportTimestamp) >= _interval;
        }
        if (due)
            Report();
    }

    public ProgressSnapshot Current(ShardState state)
    {
        lock (_gate)
            return Snapshot(state);
    }

    /// <summary>Prints the line and replaces the progress file (the timer calls this).</summary>
    public void Report()
    {
        lock (_gate)
        {
            if (_finished)
                return;
            var snapshot = Snapshot(ShardState.Running);
            _log.WriteLine(snapshot.ToLine());
            WriteProgressFile(snapshot);
            _lastReportTimestamp = _time.GetTimestamp();
        }
    }

    /// <summary>
    /// Stops the periodic reports and records the final state (<c>done</c> or <c>failed</c>, also before
    /// <see cref="Start"/> when the shard fails early); later calls do nothing.
    /// </summary>
    public ProgressSnapshot Finish(ShardState state)
    {
        _timer?.Dispose();
        lock (_gate)
        {
            var snapshot = Snapshot(state);
            if (_finished)
                return snapshot;
            _finished = true;
            _log.WriteLine(snapshot.ToLine());
            WriteProgressFile(snapshot);
            return snapshot;
        }
    }

    public void Dispose() => _timer?.Dispose();

    private double ElapsedSeconds() => _startTimestamp is { } start ? _time.GetElapsedTime(start).TotalSeconds : 0;

    // While running, rates are those of the last counted batch (before the first one there is none: rate 0, ETA
    // unknown); the final snapshot's rates are over the whole run.
    private ProgressSnapshot Snapshot(ShardState state) =>
        new(_shard, state, _total, _done, _errors, _resumed, _audioSeconds + _inClipSeconds, ElapsedSeconds(), _time.GetUtcNow(), _reused,
            _earlierRunsSeconds, state == ShardState.Running ? _countedSeconds : null, state == ShardState.Running ? _inClip : 0);

    private void WriteProgressFile(ProgressSnapshot snapshot)
    {
        try
        {
            snapshot.ToDocument(_settingsHash).Write(_progressPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_progressFileFailed)
                _log.WriteLine($"[shard {_shard}] cannot write {_progressPath} ({e.Message}); progress goes to stderr only");
            _progressFileFailed = true;
        }
    }
}
