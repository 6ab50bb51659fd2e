using System.Collections;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Bundle.Checkpoint;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>The weights of one SAN-M encoder block.</summary>
internal sealed record SanmBlockWeights(
    Tensor Norm1Weight, Tensor Norm1Bias,
    Tensor QkvWeight, Tensor QkvBias,
    Tensor FsmnWeight,
    Tensor OutWeight, Tensor OutBias,
    Tensor Norm2Weight, Tensor Norm2Bias,
    Tensor Ffn1Weight, Tensor Ffn1Bias,
    Tensor Ffn2Weight, Tensor Ffn2Bias)
{
    private float[]? _fsmnTaps;

    /// <summary><see cref="FsmnWeight"/> tap-major ([K, D]) for <see cref="FsmnMemory.OnCpu"/>; read once, on first use.</summary>
    public float[] FsmnTaps => _fsmnTaps ??= FsmnMemory.Taps(FsmnWeight);
}

/// <summary>
/// The encoder part of FunASR's Paraformer state dict (<c>model.pt</c>), checked key by key against the shapes
/// <c>config.yaml</c> implies. Decoder, predictor and CTC keys are ignored.
/// </summary>
public sealed class SanmEncoderWeights : IDisposable
{
    private readonly List<Tensor> _owned = [];

    private SanmEncoderWeights(ParaformerConfig config) => Config = config;

    public ParaformerConfig Config { get; }

    internal IReadOnlyList<SanmBlockWeights> Blocks { get; private set; } = [];

    internal Tensor AfterNormWeight { get; private set; } = null!;

    internal Tensor AfterNormBias { get; private set; } = null!;

    /// <summary>
    /// Reads <paramref name="modelPt"/> as Step-Audio's loader does: any <c>torch.save</c> file (zip or legacy), the
    /// state dict itself or wrapped as <c>{"state_dict": ...}</c>, keys as saved or with DistributedDataParallel's
    /// <c>module.</c> prefix, float32/float16/bfloat16/float64 values widened to float32. Only the encoder's
    /// tensors are read from the file.
    /// </summary>
    public static SanmEncoderWeights Load(string modelPt, ParaformerConfig config, Device device)
    {
        using var checkpoint = TorchCheckpoint.Open(modelPt);
        return Build(key => checkpoint.Tensors.TryGetValue(key, out var t)
            ? new StateDictEntry(t.Shape, t.DType, () => checkpoint.ReadFloat32(t))
            : null, modelPt, config, device);
    }

    /// <summary>
    /// Checks that <paramref name="modelPt"/> opens and holds every encoder key <paramref name="config"/> asks for, with
    /// its shape and a floating-point type, without reading any tensor's bytes.
    /// </summary>
    public static void Check(string modelPt, ParaformerConfig config)
    {
        using var checkpoint = TorchCheckpoint.Open(modelPt);
        Build(key => checkpoint.Tensors.TryGetValue(key, out var t)
            ? new StateDictEntry(t.Shape, t.DType, () => throw new InvalidOperationException("a check reads no tensor"))
            : null, modelPt, config, device: null);
    }

    /// <summary>Builds the weights from an in-memory state dict (benchmarks build random full-size ones this way).</summary>
    public static SanmEncoderWeights FromStateDict(IDictionary stateDict, string source, ParaformerConfig config, Device device)
        => Build(key => stateDict.Contains(key) && stateDict[key] is Tensor t
            ? new StateDictEntry(t.shape, t.dtype, () => t.detach().to(ScalarType.Float32))
            : null, source, config, device);

    // device: where the weights go; null only checks the keys (every tensor is then null).
    private static SanmEncoderWeights Build(Func<string, StateDictEntry?> find, string source, ParaformerConfig config, Device? device)
    {
        var weights = new SanmEncoderWeights(config);
        int d = config.OutputSize, f = config.LinearUnits, k = config.KernelSize;
        Tensor Take(string key, params long[] shape)
        {
            // load_pretrained_model looks each model key up as saved or as DistributedDataParallel saved it.
            var entry = find(key) ?? find("module." + key)
                ?? throw new BundleException(source, $"missing encoder key '{key}'");
            if (!entry.Shape.SequenceEqual(shape))
                throw new BundleException(source, $"encoder key '{key}' has shape [{string.Join(", ", entry.Shape)}], expected [{string.Join(", ", shape)}] from config.yaml");
            if (entry.DType is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64))
                throw new BundleException(source, $"encoder key '{key}' is {entry.DType}, expected a floating-point tensor");
            if (device is null)
                return null!;
            // Widened to float32 as load_state_dict's copy_ into a float32 parameter does. Detached from any
            // caller's dispose scope: the weights live until this object is disposed.
            var value = entry.Load();
            var copy = value.to(device).contiguous().DetachFromDisposeScope();
            if (!ReferenceEquals(copy, value)) value.Dispose();
            weights._owned.Add(copy);
            return copy;
        }
        SanmBlockWeights Block(string prefix, int inSize) => new(
            Take(prefix + "norm1.weight", inSize), Take(prefix + "norm1.bias", inSize),
            Take(prefix + "self_attn.linear_q_k_v.weight", 3 * d, inSize), Take(prefix + "self_attn.linear_q_k_v.bias", 3 * d),
            Take(prefix + "self_attn.fsmn_block.weight", d, 1, k),
            Take(prefix + "self_attn.linear_out.weight", d, d), Take(prefix + "self_attn.linear_out.bias", d),
            Take(prefix + "norm2.weight", d), Take(prefix + "norm2.bias", d),
            Take(prefix + "feed_forward.w_1.weight", f, d), Take(prefix + "feed_forward.w_1.bias", f),
            Take(prefix + "feed_forward.w_2.weight", d, f), Take(prefix + "feed_forward.w_2.bias", d));

        try
        {
            var blocks = new List<SanmBlockWeights> { Block("encoder.encoders0.0.", config.InputSize) };
            for (int i = 0; i < config.NumBlocks - 1; i++) blocks.Add(Block($"encoder.encoders.{i}.", d));
            weights.Blocks = blocks;
            weights.AfterNormWeight = Take("encoder.after_norm.weight", d);
            weights.AfterNormBias = Take("encoder.after_norm.bias", d);
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
