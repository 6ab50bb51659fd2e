using SpeechPairs.Tokenizer.Features;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// The reference's own schedule, kept as a yardstick: one piece at a time through all layers, carrying each
/// layer's key/value cache and the 5-frame overlap between pieces, exactly as FunASR's <c>forward_chunk</c>
/// loop does. Tests check <see cref="SanmStreamingEncoder"/> against it; the benchmark times both.
/// </summary>
internal sealed class SteppedSanmEncoder(SanmEncoderWeights weights, Device device)
{
    private const double LayerNormEps = 1e-12;

    /// <summary>Kept frames of one clip, [frames, D], on the encoder's device.</summary>
    public Tensor Encode(Vq02Features clip)
    {
        var config = weights.Config;
        int d = config.OutputSize, inputDim = config.InputSize;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var overlap = zeros(EncoderBatchPlan.OverlapFrames, inputDim, device: device);
        var caches = new (Tensor K, Tensor V)?[weights.Blocks.Count];
        var outputs = new List<Tensor>();
        int start = 0;
        foreach (int n in clip.PieceLengths)
        {
            // One scope per piece; what the next piece needs (overlap rows, caches, this piece's output) moves out.
            using var pieceScope = NewDisposeScope();
            var feats = from_array(clip.Data.AsSpan(start * inputDim, n * inputDim).ToArray()).reshape(n, inputDim).to(device);
            feats = feats * (float)Math.Sqrt(d) + PositionEncoding(start, n, inputDim).to(device);
            var x = cat([overlap, feats], 0);
            overlap.Dispose();
            overlap = x.narrow(0, x.shape[0] - EncoderBatchPlan.OverlapFrames, EncoderBatchPlan.OverlapFrames).clone().MoveToOuterDisposeScope();
            for (int layer = 0; layer < weights.Blocks.Count; layer++)
            {
                var previous = caches[layer];
                x = Step(x, weights.Blocks[layer], ref caches[layer], layer > 0, d, config.AttentionHeads, config.KernelSize);
                var (k, v) = caches[layer]!.Value;
                caches[layer] = (k.clone().MoveToOuterDisposeScope(), v.clone().MoveToOuterDisposeScope());
                previous?.K.Dispose();
                previous?.V.Dispose();
            }
            x = layer_norm(x, [d], weights.AfterNormWeight, weights.AfterNormBias, LayerNormEps);
            outputs.Add(x.narrow(0, x.shape[0] - n, n).clone().MoveToOuterDisposeScope());
            start += n;
        }
        var result = outputs.Count == 0 ? zeros(0, d, device: device) : cat(outputs, 0);
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor PositionEncoding(int start, int n, int depth)
    {
        var inc = log(tensor(new float[] { 10000f })) / (depth / 2.0 - 1);
        var inv = exp(arange(0, depth / 2, dtype: float32) * (-inc));
        var t = arange(start + 1, start + n + 1, dtype: float32).reshape(-1, 1) * inv.reshape(1, -1);
        return cat([sin(t), cos(t)], 1);
    }

    private static Tensor Step(Tensor x, SanmBlockWeights w, ref (Tensor K, Tensor V)? cache, bool residual, int d, int heads, int kernel)
    {
        int rows = (int)x.shape[0], dk = d / heads;
        var h = layer_norm(x, [x.shape[1]], w.Norm1Weight, w.Norm1Bias, LayerNormEps);
        var qkv = linear(h, w.QkvWeight, w.QkvBias);
        var q = qkv.narrow(1, 0, d).reshape(rows, heads, dk).transpose(0, 1);
        var k = qkv.narrow(1, d, d).reshape(rows, heads, dk).transpose(0, 1);
        var v = qkv.narrow(1, 2 * d, d);
        var vh = v.reshape(rows, heads, dk).transpose(0, 1);
        int stride = rows - EncoderBatchPlan.OverlapFrames;
        Tensor keys = k, values = vh;
        if (cache is { } c)
        {
            keys = cat([c.K, k], 1);
            values = cat([c.V, vh], 1);
            var newK = cat([c.K, k.narrow(1, 0, stride)], 1);
            var newV = cat([c.V, vh.narrow(1, 0, stride)], 1);
            int keep = (int)Math.Min(newK.shape[1], EncoderBatchPlan.CacheRows);
            cache = (newK.narrow(1, newK.shape[1] - keep, keep), newV.narrow(1, newV.shape[1] - keep, keep));
        }
        else
        {
            cache = (k.narrow(1, 0, stride), vh.narrow(1, 0, stride));
        }
        var p = softmax((q * Math.Pow(dk, -0.5)).matmul(keys.transpose(-2, -1)), -1);
        var context = p.matmul(values).transpose(0, 1).reshape(rows, d);
        var memory = conv1d(v.t().unsqueeze(0), w.FsmnWeight, padding: (kernel - 1) / 2, groups: d).squeeze(0).t() + v;
        var y = linear(context, w.OutWeight, w.OutBias) + memory;
        x = residual ? x + y : y;
        var hidden = relu(linear(layer_norm(x, [d], w.Norm2Weight, w.Norm2Bias, LayerNormEps), w.Ffn1Weight, w.Ffn1Bias));
        return x + linear(hidden, w.Ffn2Weight, w.Ffn2Bias);
    }
}
