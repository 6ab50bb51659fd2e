namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// Runs a batch's encoder windows in parallel lanes, one torch thread each. Windows of whole clips are independent;
/// the windows of one long clip form a chain in which window k's layer l needs the cache that window k − 1's layer l
/// hands on, so they run as a wavefront: window k starts as soon as a lane is free and waits before each layer only
/// until its predecessor has finished that layer. A long clip therefore uses every lane too.
/// </summary>
/// <remarks>
/// Windows are handed out in order, so a predecessor is always running or done before its successor waits on it:
/// no deadlock. A failing window marks the run failed and wakes every waiter, which then stops.
/// </remarks>
internal sealed class EncoderLanes
{
    private readonly List<Slot> _slots = [];
    private volatile bool _failed;

    /// <param name="windows">The windows, in order.</param>
    /// <param name="carry">For the windows of one part of a long clip: the cache the part before handed on, kept for the next.</param>
    public EncoderLanes(IEnumerable<EncoderWindow> windows, EncoderCarry? carry = null)
    {
        long offset = 0;
        Chain? chain = null;
        int carriedRows = carry?.Count ?? 0;
        foreach (var split in windows)
        {
            var window = split with { CarriedRows = split.FirstPiece > 0 || carry is not null ? carriedRows : 0 };
            var plan = new EncoderBatchPlan(window);
            if (window.IsPartial && window.FirstPiece == 0) chain = new Chain { Carry = carry };
            var slot = new Slot(window, plan, window.IsPartial ? chain : null, window.FirstPiece > 0 ? _slots[^1] : null, offset);
            carriedRows = plan.OutgoingCache?.Length ?? 0;
            offset += plan.ClipFrames.Sum();
            if (plan.Rows > 0) _slots.Add(slot);
        }
        HandedOn = carriedRows;
    }

    /// <summary>Key rows the last window hands on: what the next part of a long clip carries in.</summary>
    public int HandedOn { get; }

    /// <summary>Runs <paramref name="encode"/> for every window on at most <paramref name="lanes"/> of <paramref name="threads"/> at once.</summary>
    public void Run(int lanes, LaneThreads threads, Action<Slot> encode)
    {
        var chains = _slots.Select(s => s.Chain).OfType<Chain>().Distinct().ToList();
        try
        {
            if (lanes <= 1 || _slots.Count <= 1)
            {
                foreach (var slot in _slots) encode(slot);
                return;
            }
            int next = -1;
            var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            threads.Run(Math.Min(lanes, _slots.Count), () =>
            {
                int i;
                while (!_failed && (i = Interlocked.Increment(ref next)) < _slots.Count)
                {
                    try
                    {
                        encode(_slots[i]);
                    }
                    catch (Exception e)
                    {
                        errors.Enqueue(e);
                        Fail();
                    }
                }
            });
            // The first failure is the cause; the others are lanes stopped because of it.
            var cause = errors.FirstOrDefault(e => e is not LaneStoppedException) ?? errors.FirstOrDefault();
            if (cause is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(cause).Throw();
        }
        finally
        {
            foreach (var chain in chains)
            {
                chain.Embedded?.Dispose();
                if (chain.Carry is null) chain.Carried?.Dispose();
            }
        }
    }

    /// <summary>Blocks until the predecessor of <paramref name="slot"/> has finished <paramref name="layer"/>.</summary>
    public void WaitForPredecessor(Slot slot, int layer)
    {
        // A part's first window reads what the part before left in its carry: nothing to wait for.
        if (slot.Predecessor is not { } predecessor) return;
        lock (predecessor)
        {
            while (predecessor.LayersDone <= layer)
            {
                if (_failed) throw new LaneStoppedException();
                Monitor.Wait(predecessor);
            }
        }
    }

    public void LayerDone(Slot slot, int layer)
    {
        lock (slot)
        {
            slot.LayersDone = layer + 1;
            Monitor.PulseAll(slot);
        }
    }

    private void Fail()
    {
        _failed = true;
        foreach (var slot in _slots)
            lock (slot) Monitor.PulseAll(slot);
    }

    /// <summary>One window: its plan, its long clip's shared state, the window before it in that clip, its first output row.</summary>
    public sealed class Slot(EncoderWindow window, EncoderBatchPlan plan, Chain? chain, Slot? predecessor, long offset)
    {
        public EncoderWindow Window { get; } = window;
        public EncoderBatchPlan Plan { get; } = plan;
        public Chain? Chain { get; } = chain;
        public Slot? Predecessor { get; } = predecessor;
        public long Offset { get; } = offset;
        public int LayersDone { get; set; }
    }

    /// <summary>What a long clip's windows share: its embedded input and each layer's carried key/value rows.</summary>
    public sealed class Chain
    {
        /// <summary>Where <see cref="Carried"/> comes from and stays, for a part of a long clip; null otherwise.</summary>
        public EncoderCarry? Carry { get; init; }

        public TorchSharp.torch.Tensor? Embedded { get; set; }
        public TorchSharp.torch.Tensor? Carried { get; set; }
    }

    private sealed class LaneStoppedException() : Exception("stopped: another vq02 lane failed");
}
