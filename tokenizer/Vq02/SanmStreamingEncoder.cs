using SpeechPairs.Tokenizer.Features;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// FunASR's <c>SANMEncoderChunkOpt.forward_chunk</c> as Step-Audio drives it (chunk [0, 4, 5], look-back 4,
/// is_final), computed layer by layer for all pieces of a window of clips at once (see <see cref="EncoderBatchPlan"/>
/// and <see cref="EncoderWindow"/>).
/// Each clip's result does not depend on the other clips in its batch.
/// </summary>
public sealed class SanmStreamingEncoder : IDisposable
{
    private readonly LaneThreads _laneThreads = new();
    private const double LayerNormEps = 1e-12;
    private readonly SanmEncoderWeights _weights;
    private readonly int _d;
    private readonly int _heads;
    private readonly int _kernel;

    public SanmStreamingEncoder(SanmEncoderWeights weights, Device device)
    {
        _weights = weights;
        Device = device;
        _d = weights.Config.OutputSize;
        _heads = weights.Config.AttentionHeads;
        _kernel = weights.Config.KernelSize;
    }

    public Device Device { get; }

    /// <summary>
    /// Whether the FSMN memory and the attention may run in the encoder's own CPU kernels where those equal torch bit
    /// for bit on this machine (<see cref="CpuKernels"/>); off, every operation is torch's. The frames are the same
    /// bits either way; the benchmarks and tests compare the two.
    /// </summary>
    internal bool OwnCpuKernels { get; init; } = true;

    public int OutputSize => _d;

    /// <summary>
    /// Layer rows one pass takes at most (see <see cref="EncoderWindow"/>): about 9 s of audio. Measured on 2 cores
    /// (bench, a 120 s batch of 2–9 s clips), 1 024-row passes ran the encoder 15–30 % faster than one 4 700-row pass
    /// (the matrices stay in cache), and a clip's memory no longer grows with its length.
    /// </summary>
    internal int MaxRows { get; init; } = 1024;

    /// <summary>
    /// Encodes <paramref name="clips"/>; returns the kept frames of all clips, concatenated in clip order, as a
    /// [Σ frames, D] tensor on <see cref="Device"/> (the caller disposes it), with each clip's frame count.
    /// Windows run in <paramref name="lanes"/> parallel lanes (see <see cref="EncoderLanes"/>); every lane runs the
    /// same single-threaded operations, so the frames do not depend on the number of lanes.
    /// </summary>
    public (Tensor Frames, int[] ClipFrames) Encode(IReadOnlyList<Vq02Features> clips, int lanes = 1)
    {
        var clipFrames = clips.Select(c => c.PieceLengths.Sum()).ToArray();
        return (Run(new EncoderLanes(EncoderWindow.Split(clips, MaxRows, Math.Max(1, lanes))), clipFrames.Sum(f => (long)f), lanes), clipFrames);
    }

    /// <summary>
    /// Encodes one part of a long clip (<see cref="OnlineFrontend.ExtractPart"/>): the part's first piece reads the cache
    /// <paramref name="carry"/> holds from the part before, and unless this is the clip's last part its last piece leaves
    /// the cache there for the next. Returns the part's kept frames, [frames, D] (the caller disposes it): parts in order
    /// give the very frames <see cref="Encode"/> gives the whole clip.
    /// </summary>
    public Tensor EncodePart(Vq02Features part, EncoderCarry carry, bool lastPart, int lanes = 1)
    {
        var windows = new EncoderLanes(EncoderWindow.SplitPart(part, MaxRows, lanes, clipGoesOn: !lastPart), carry);
        var frames = Run(windows, part.PieceLengths.Sum(), lanes);
        carry.Count = lastPart ? 0 : windows.HandedOn;
        return frames;
    }

    private Tensor Run(EncoderLanes windows, long totalFrames, int lanes)
    {
        Tensor frames;
        using (no_grad())
            frames = empty(totalFrames, _d, device: Device);
        try
        {
            windows.Run(lanes, _laneThreads, w => EncodeWindow(windows, w, frames));
        }
        catch
        {
            frames.Dispose();
            throw;
        }
        return frames;
    }

    // One window through all layers into its rows of the output. A window that carries a cache in waits, before each
    // layer, for its predecessor to have handed that layer's rows on; it then reads them (the cat copies them) before
    // it overwrites them with the rows it hands on to its own successor.
    private void EncodeWindow(EncoderLanes windows, EncoderLanes.Slot slot, Tensor frames)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var plan = slot.Plan;
        var chain = slot.Chain;
        if (chain is not null)
        {
            lock (chain)
            {
                // The clip's embedded input and carried cache live as long as its windows: created by whichever comes first.
                if (chain.Embedded is null)
                {
                    chain.Embedded = Embedded(slot.Window.Clips).DetachFromDisposeScope();
                    chain.Carried = chain.Carry?.Rows
                        ?? empty(_weights.Blocks.Count, EncoderBatchPlan.CacheRows, 2 * _d, device: Device).DetachFromDisposeScope();
                    if (chain.Carry is not null) chain.Carry.Rows = chain.Carried;
                }
            }
        }
        var embedded = chain?.Embedded ?? Embedded(slot.Window.Clips);
        var rows = embedded.index_select(0, Index(plan.SourceRows));
        var x = plan.PaddedRows > plan.Rows
            ? cat([rows, zeros(plan.PaddedRows - plan.Rows, rows.shape[1], device: Device)], 0)
            : rows;
        for (int layer = 0; layer < _weights.Blocks.Count; layer++)
        {
            if (plan.CarriedRows > 0) windows.WaitForPredecessor(slot, layer);
            // Free each layer's temporaries (and its input) as soon as it is done: memory stays flat and warm.
            Tensor next;
            using (NewDisposeScope())
            {
                var carriedIn = plan.CarriedRows > 0 ? chain!.Carried![layer].narrow(0, 0, plan.CarriedRows) : null;
                var (result, handedOn) = Block(x, _weights.Blocks[layer], plan, residual: layer > 0, carriedIn);
                next = result.MoveToOuterDisposeScope();
                if (handedOn is not null) chain!.Carried![layer].narrow(0, 0, handedOn.shape[0]).copy_(handedOn);
            }
            windows.LayerDone(slot, layer);
            x.Dispose();
            x = next;
        }
        x = layer_norm(x, [_d], _weights.AfterNormWeight, _weights.AfterNormBias, LayerNormEps);
        frames.narrow(0, slot.Offset, plan.ClipFrames.Sum()).copy_(x.index_select(0, Index(plan.KeptRows)));
    }

    // Input ×sqrt(D) plus the streaming sinusoidal position encoding (positions 1.. continue across pieces),
    // each clip prefixed by 5 zero rows: the matrix the plan's source rows index.
    private Tensor Embedded(IReadOnlyList<Vq02Features> clips)
    {
        int inputDim = _weights.Config.InputSize;
        using var scope = NewDisposeScope();
        var blocks = new List<Tensor>();
        foreach (var clip in clips)
        {
            if (clip.Dim != inputDim)
                throw new ArgumentException($"features are {clip.Dim} wide but the encoder expects {inputDim}");
            // A part of a long clip after its first starts from the embedded frames before it, a whole clip from zeros.
            blocks.Add(clip.Preceding is { } preceding
                ? EmbeddedFrames(preceding, clip.FirstFrame - EncoderBatchPlan.OverlapFrames, inputDim)
                : zeros(EncoderBatchPlan.OverlapFrames, inputDim));
            if (clip.Frames == 0) continue;
            blocks.Add(EmbeddedFrames(clip.Data, clip.FirstFrame, inputDim));
        }
        return cat(blocks, 0).to(Device).MoveToOuterDisposeScope();
    }

    // Frames ×sqrt(D) plus their position encoding; the clip's frame `firstFrame` is at position firstFrame + 1.
    private Tensor EmbeddedFrames(float[] data, int firstFrame, int inputDim)
    {
        int frames = data.Length / inputDim;
        // from_array shares the managed array: scale out of place so the caller's features stay intact.
        var feats = from_array(data).reshape(frames, inputDim) * (float)Math.Sqrt(_d);
        return feats + PositionEncoding(firstFrame, frames, inputDim);
    }

    // FunASR StreamSinusoidalPositionEncoder in its float32 torch arithmetic: sin half, then cos half.
    private static Tensor PositionEncoding(int firstFrame, int frames, int depth)
    {
        var logTimescaleIncrement = log(tensor(new float[] { 10000f })) / (depth / 2.0 - 1);
        var invTimescales = exp(arange(0, depth / 2, dtype: float32) * (-logTimescaleIncrement));
        var positions = arange(firstFrame + 1, firstFrame + frames + 1, dtype: float32);
        var scaledTime = positions.reshape(-1, 1) * invTimescales.reshape(1, -1);
        return cat([sin(scaledTime), cos(scaledTime)], 1);
    }

    // Every temporary is freed as soon as its stage is done: a layer's peak is a few [rows, D] tensors of one window.
    // Returns the layer's output and, when the plan hands a cache on, the key/value rows it hands on (key space).
    private (Tensor Output, Tensor? Cache) Block(Tensor x, SanmBlockWeights w, EncoderBatchPlan plan, bool residual, Tensor? carriedKv)
    {
        int inSize = (int)x.shape[1];
        Tensor attention, memory;
        Tensor? handedOn = null;
        using (NewDisposeScope())
        {
            var h = layer_norm(x, [inSize], w.Norm1Weight, w.Norm1Bias, LayerNormEps);
            var qkv = linear(h, w.QkvWeight, w.QkvBias);
            h.Dispose();
            var q = qkv.narrow(1, 0, _d);
            var kv = carriedKv is null ? qkv.narrow(1, _d, 2 * _d) : cat([carriedKv, qkv.narrow(1, _d, 2 * _d)], 0);
            var v = qkv.narrow(1, 2 * _d, _d);
            if (plan.OutgoingCache is not null)
                handedOn = kv.index_select(0, Index(plan.OutgoingCache)).MoveToOuterDisposeScope();

            attention = Unwritten(plan).MoveToOuterDisposeScope();
            var (ownKernel, viaTorch) = SplitAttentionGroups(plan);
            if (ownKernel.Count > 0)
                PieceAttention.OnCpu(PieceAttention.ScaledQueries(q, _d / _heads), carriedKv is null ? qkv : kv, carriedKv is null ? _d : 0, _heads, ownKernel, attention);
            if (viaTorch.Count > 0) PieceAttention.WithTorch(q, kv, _heads, viaTorch, attention);

            // FSMN memory: depthwise conv over each piece's own values (zero padding, no cache), plus the values.
            memory = Unwritten(plan).MoveToOuterDisposeScope();
            if (OwnKernelsOnCpu && CpuKernels.FsmnMatchesTorch(_d, _kernel)) FsmnMemory.OnCpu(qkv, 2 * _d, w.FsmnTaps, plan.FsmnGroups, memory);
            else FsmnMemory.WithTorch(v, w.FsmnWeight, plan.FsmnGroups, memory);
        }

        // In place, the same sums: the output projection plus the memory, then plus x; two fewer [rows, D] tensors.
        Tensor mid;
        using (NewDisposeScope())
            mid = linear(attention, w.OutWeight, w.OutBias).add_(memory).MoveToOuterDisposeScope();
        attention.Dispose();
        memory.Dispose();
        if (residual) mid.add_(x); // the first block maps 560 → D and has no residual on its attention

        Tensor hidden;
        using (NewDisposeScope())
        {
            var ffn1 = linear(layer_norm(mid, [_d], w.Norm2Weight, w.Norm2Bias, LayerNormEps), w.Ffn1Weight, w.Ffn1Bias);
            ffn1.relu_();
            hidden = ffn1.MoveToOuterDisposeScope();
        }
        Tensor result;
        using (NewDisposeScope())
            result = linear(hidden, w.Ffn2Weight, w.Ffn2Bias).add_(mid).MoveToOuterDisposeScope();
        hidden.Dispose();
        mid.Dispose();
        return (result, handedOn);
    }

    // Groups whose attention the CPU kernel computes exactly as torch does (see CpuKernels), and the rest.
    private (List<EncoderBatchPlan.AttentionGroup> OwnKernel, List<EncoderBatchPlan.AttentionGroup> ViaTorch) SplitAttentionGroups(EncoderBatchPlan plan)
    {
        var ownKernel = new List<EncoderBatchPlan.AttentionGroup>();
        var viaTorch = new List<EncoderBatchPlan.AttentionGroup>();
        foreach (var g in plan.AttentionGroups)
            (OwnKernelsOnCpu && CpuKernels.AttentionMatchesTorch(_d, _heads, g.Cached, g.Own) ? ownKernel : viaTorch).Add(g);
        return (ownKernel, viaTorch);
    }

    // Every row below plan.Rows is some piece's own row, which the attention (as a query) and the FSMN memory both write:
    // only the padding rows need zeros.
    private Tensor Unwritten(EncoderBatchPlan plan)
    {
        var t = empty(plan.PaddedRows, _d, device: Device);
        if (plan.PaddedRows > plan.Rows) t.narrow(0, plan.Rows, plan.PaddedRows - plan.Rows).zero_();
        return t;
    }

    public void Dispose() => _laneThreads.Dispose();

    private bool OwnKernelsOnCpu => OwnCpuKernels && Device.type == DeviceType.CPU;

    private Tensor Index(long[] rows) => tensor(rows, dtype: int64).to(Device);
}
