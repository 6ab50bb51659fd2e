using SpeechPairs.Tokenizer.Features;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// FunASR's <c>SANMEncoderChunkOpt.forward_chunk</c> as Step-Audio drives it (chunk [0, 4, 5], look-back 4,
/// is_final), computed layer by layer for all pieces of a batch of clips at once (see <see cref="EncoderBatchPlan"/>).
/// Each clip's result does not depend on the other clips in its batch.
/// </summary>
public sealed class SanmStreamingEncoder
{
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

    public int OutputSize => _d;

    /// <summary>
    /// Encodes <paramref name="clips"/>; returns the kept frames of all clips, concatenated in clip order, as a
    /// [Σ frames, D] tensor on <see cref="Device"/> (the caller disposes it), with each clip's frame count.
    /// </summary>
    public (Tensor Frames, int[] ClipFrames) Encode(IReadOnlyList<Vq02Features> clips)
    {
        var plan = new EncoderBatchPlan(clips);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (plan.Rows == 0) return (zeros(0, _d, device: Device).MoveToOuterDisposeScope(), plan.ClipFrames);

        var x = EmbeddedPieces(clips, plan);
        for (int layer = 0; layer < _weights.Blocks.Count; layer++)
        {
            // Free each layer's temporaries (and its input) as soon as it is done: memory stays flat and warm.
            Tensor next;
            using (NewDisposeScope())
                next = Block(x, _weights.Blocks[layer], plan, residual: layer > 0).MoveToOuterDisposeScope();
            x.Dispose();
            x = next;
        }
        x = layer_norm(x, [_d], _weights.AfterNormWeight, _weights.AfterNormBias, LayerNormEps);
        var kept = x.index_select(0, Index(plan.KeptRows));
        return (kept.MoveToOuterDisposeScope(), plan.ClipFrames);
    }

    // Input ×sqrt(D) plus the streaming sinusoidal position encoding (positions 1.. continue across pieces),
    // each clip prefixed by 5 zero rows, then gathered into the pieces' overlapped layout.
    private Tensor EmbeddedPieces(IReadOnlyList<Vq02Features> clips, EncoderBatchPlan plan)
    {
        int inputDim = _weights.Config.InputSize;
        var blocks = new List<Tensor>();
        foreach (var clip in clips)
        {
            if (clip.Dim != inputDim)
                throw new ArgumentException($"features are {clip.Dim} wide but the encoder expects {inputDim}");
            blocks.Add(zeros(EncoderBatchPlan.OverlapFrames, inputDim));
            if (clip.Frames == 0) continue;
            // from_array shares the managed array: scale out of place so the caller's features stay intact.
            var feats = from_array(clip.Data).reshape(clip.Frames, inputDim) * (float)Math.Sqrt(_d);
            blocks.Add(feats + PositionEncoding(clip.Frames, inputDim));
        }
        var embedded = cat(blocks, 0).to(Device);
        var rows = embedded.index_select(0, Index(plan.SourceRows));
        return plan.PaddedRows > plan.Rows
            ? cat([rows, zeros(plan.PaddedRows - plan.Rows, inputDim, device: Device)], 0)
            : rows;
    }

    // FunASR StreamSinusoidalPositionEncoder in its float32 torch arithmetic: sin half, then cos half.
    private static Tensor PositionEncoding(int frames, int depth)
    {
        var logTimescaleIncrement = log(tensor(new float[] { 10000f })) / (depth / 2.0 - 1);
        var invTimescales = exp(arange(0, depth / 2, dtype: float32) * (-logTimescaleIncrement));
        var positions = arange(1, frames + 1, dtype: float32);
        var scaledTime = positions.reshape(-1, 1) * invTimescales.reshape(1, -1);
        return cat([sin(scaledTime), cos(scaledTime)], 1);
    }

    // Every temporary is freed as soon as its stage is done, and attention runs on at most MaxGroupPieces pieces
    // at a time: a layer's peak is then a few [rows, D] tensors, not the ~20 000 floats per row that holding all
    // of its temporaries took (about 180 MB per minute of audio). The operations and their operands are unchanged.
    private Tensor Block(Tensor x, SanmBlockWeights w, EncoderBatchPlan plan, bool residual)
    {
        int inSize = (int)x.shape[1];
        Tensor attention, memory;
        using (NewDisposeScope())
        {
            var h = layer_norm(x, [inSize], w.Norm1Weight, w.Norm1Bias, LayerNormEps);
            var qkv = linear(h, w.QkvWeight, w.QkvBias);
            h.Dispose();
            var q = qkv.narrow(1, 0, _d);
            var kv = qkv.narrow(1, _d, 2 * _d);
            var v = qkv.narrow(1, 2 * _d, _d);

            attention = zeros(plan.PaddedRows, _d, device: Device).MoveToOuterDisposeScope();
            int dk = _d / _heads;
            double scale = Math.Pow(dk, -0.5);
            foreach (var g in plan.AttentionGroups)
            {
                int keysPerPiece = g.Cached + g.Own;
                foreach (var (first, count) in GroupSlices(g.Count))
                {
                    using var slice = NewDisposeScope();
                    var queryIndex = Index(g.QueryRows.AsSpan(first * g.Own, count * g.Own).ToArray());
                    var keyIndex = Index(g.KeyRows.AsSpan(first * keysPerPiece, count * keysPerPiece).ToArray());
                    // Contiguous operands: with strided ones, torch's matmul takes a different BLAS route when a group
                    // has one piece, which rounds differently and would make a clip's codes depend on its batch.
                    var qg = (q.index_select(0, queryIndex).view(count, g.Own, _heads, dk).transpose(1, 2) * scale).contiguous();
                    var kvg = kv.index_select(0, keyIndex).view(count, keysPerPiece, 2, _heads, dk);
                    var kg = kvg.select(2, 0).transpose(1, 2).contiguous();
                    var vg = kvg.select(2, 1).transpose(1, 2).contiguous();
                    kvg.Dispose();
                    var probabilities = softmax(qg.matmul(kg.transpose(-2, -1)), -1);
                    var context = probabilities.matmul(vg).transpose(1, 2).reshape(count * g.Own, _d);
                    attention.index_copy_(0, queryIndex, context);
                }
            }

            // FSMN memory: depthwise conv over each piece's own values (zero padding, no cache), plus the values.
            memory = zeros(plan.PaddedRows, _d, device: Device).MoveToOuterDisposeScope();
            foreach (var g in plan.FsmnGroups)
            {
                using var group = NewDisposeScope();
                var rowIndex = Index(g.Rows);
                var vg = v.index_select(0, rowIndex).view(g.Count, g.Own, _d);
                var conv = conv1d(vg.transpose(1, 2), w.FsmnWeight, padding: (_kernel - 1) / 2, groups: _d).transpose(1, 2);
                memory.index_copy_(0, rowIndex, (conv + vg).reshape(g.Count * g.Own, _d));
            }
        }

        Tensor y;
        using (NewDisposeScope())
            y = (linear(attention, w.OutWeight, w.OutBias) + memory).MoveToOuterDisposeScope();
        attention.Dispose();
        memory.Dispose();
        Tensor mid = y; // the first block maps 560 → D and has no residual on its attention
        if (residual)
        {
            mid = x + y;
            y.Dispose();
        }

        Tensor hidden;
        using (NewDisposeScope())
        {
            var ffn1 = linear(layer_norm(mid, [_d], w.Norm2Weight, w.Norm2Bias, LayerNormEps), w.Ffn1Weight, w.Ffn1Bias);
            ffn1.relu_();
            hidden = ffn1.MoveToOuterDisposeScope();
        }
        Tensor result;
        using (NewDisposeScope())
            result = (mid + linear(hidden, w.Ffn2Weight, w.Ffn2Bias)).MoveToOuterDisposeScope();
        hidden.Dispose();
        mid.Dispose();
        return result;
    }

    /// <summary>Most pieces one attention call takes; internal so tests can make long groups split.</summary>
    internal int MaxGroupPieces { get; init; } = 1024;

    // Near-equal slices of at most MaxGroupPieces pieces. A group is split only when it is bigger than that, and
    // never into a one-piece slice (the BLAS route the comment in Block warns about); a clip's results do not depend
    // on how many pieces share an attention call, as they do not depend on its batch.
    private IEnumerable<(int First, int Count)> GroupSlices(int pieces)
    {
        int slices = (pieces + MaxGroupPieces - 1) / MaxGroupPieces;
        for (int k = 0, first = 0; k < slices; k++)
        {
            int count = pieces / slices + (k < pieces % slices ? 1 : 0);
            yield return (first, count);
            first += count;
        }
    }

    private Tensor Index(long[] rows) => tensor(rows, dtype: int64).to(Device);
}
