namespace SpeechPairs.Worker.Shard;

/// <summary>
/// A shard's batches with decode-ahead: while the caller tokenizes one batch, the next is decoded on a background task
/// (one batch ahead, no more, so at most two batches of audio are held).
/// </summary>
internal sealed class BatchPipeline : IDisposable
{
    private readonly BatchLoader _loader;
    private readonly ShardStageClock _clock;
    private Task<PreparedBatch?> _next;

    /// <summary>Decodes the first batch in the foreground, so the caller knows whether any clip is left before it loads the models.</summary>
    public BatchPipeline(BatchLoader loader, ShardStageClock clock)
    {
        _loader = loader;
        _clock = clock;
        var first = clock.Time(ShardStageClock.Stage.DecodeWait, loader.LoadNext);
        HasWork = first is not null;
        _next = Task.FromResult(first);
    }

    /// <summary>Whether some clip of the shard is still unfinished.</summary>
    public bool HasWork { get; }

    /// <summary>The batches in shard order; each one's successor is being decoded while the caller holds it.</summary>
    public IEnumerable<PreparedBatch> Batches()
    {
        while (_clock.Time(ShardStageClock.Stage.DecodeWait, () => _next.GetAwaiter().GetResult()) is { } batch)
        {
            _next = Task.Run(_loader.LoadNext);
            yield return batch;
        }
    }

    /// <summary>Waits for a decode still running: never leave the decoder behind a failure, it holds files open and the caller may retry.</summary>
    public void Dispose() => ((IAsyncResult)_next).AsyncWaitHandle.WaitOne();
}
