namespace SpeechPairs.Worker;

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
    private ITimer? _timer;
    private long? _startTimestamp;
    private int _done, _errors, _resumed;
    private double _audioSeconds;
    private bool _finished, _progressFileFailed;

    public ProgressReporter(ShardSelection shard, int total, string progressPath, TextWriter log, TimeSpan interval, TimeProvider time)
    {
        _shard = shard;
        _total = total;
        _progressPath = progressPath;
        _log = log;
        _interval = interval;
        _time = time;
    }

    /// <summary>Starts the clock and the periodic reports, counting what earlier runs finished.</summary>
    public void Start(int resumed, int resumedErrors)
    {
        lock (_gate)
        {
            _done = _resumed = resumed;
            _errors = resumedErrors;
            _startTimestamp = _time.GetTimestamp();
            WriteProgressFile(Snapshot(ProgressSnapshot.Running));
        }

        _timer = _time.CreateTimer(_ => Report(), null, _interval, _interval);
    }

    /// <summary>Counts a written batch: clips finished (errors included), of which errors, and seconds of audio tokenized.</summary>
    public void AddBatch(int clips, int errors, double audioSeconds)
    {
        lock (_gate)
        {
            _done += clips;
            _errors += errors;
            _audioSeconds += audioSeconds;
        }
    }

    public ProgressSnapshot Current(string state)
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
            var snapshot = Snapshot(ProgressSnapshot.Running);
            _log.WriteLine(snapshot.ToLine());
            WriteProgressFile(snapshot);
        }
    }

    /// <summary>
    /// Stops the periodic reports and records the final state (<c>done</c> or <c>failed</c>, also before
    /// <see cref="Start"/> when the shard fails early); later calls do nothing.
    /// </summary>
    public ProgressSnapshot Finish(string state)
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

    private ProgressSnapshot Snapshot(string state) =>
        new(_shard, state, _total, _done, _errors, _resumed, _audioSeconds,
            _startTimestamp is { } start ? _time.GetElapsedTime(start).TotalSeconds : 0, _time.GetUtcNow());

    private void WriteProgressFile(ProgressSnapshot snapshot)
    {
        try
        {
            AtomicFile.Write(_progressPath, snapshot.ToJson() + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_progressFileFailed)
                _log.WriteLine($"[shard {_shard}] cannot write {_progressPath} ({e.Message}); progress goes to stderr only");
            _progressFileFailed = true;
        }
    }
}
