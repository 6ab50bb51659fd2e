using System.Collections.Concurrent;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// The encoder's lane threads, started once and kept for the encoder's life. A thread started for every pass left
/// native per-thread memory behind when it ended (torch's and its BLAS's buffers), so a worker's memory grew with every
/// pass: a long clip, encoded part by part, grew by megabytes a part.
/// </summary>
internal sealed class LaneThreads : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly List<Thread> _threads = [];
    private readonly Lock _gate = new();

    /// <summary>Runs <paramref name="body"/> on <paramref name="count"/> lane threads at once; returns when all have returned.</summary>
    /// <remarks>One pass at a time: the bodies of a pass may wait on each other, so each needs a thread of its own.</remarks>
    public void Run(int count, Action body)
    {
        lock (_gate)
        {
            while (_threads.Count < count)
            {
                var thread = new Thread(Work) { IsBackground = true, Name = "vq02 lane" };
                thread.Start();
                _threads.Add(thread);
            }
            using var done = new CountdownEvent(count);
            for (int i = 0; i < count; i++)
            {
                _work.Add(() =>
                {
                    try
                    {
                        body();
                    }
                    finally
                    {
                        done.Signal();
                    }
                });
            }
            done.Wait();
        }
    }

    private void Work()
    {
        foreach (var item in _work.GetConsumingEnumerable()) item();
    }

    public void Dispose() => _work.CompleteAdding();
}
