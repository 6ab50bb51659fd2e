using System.Collections;
using SpeechPairs.Tokenizer.Bundle;
using TorchSharp;
using TorchSharp.PyBridge;
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
    Tensor Ffn2Weight, Tensor Ffn2Bias);

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

    /// <summary>Reads <paramref name="modelPt"/> (a zip-format <c>torch.save(state_dict)</c>) with TorchSharp.PyBridge.</summary>
    public static SanmEncoderWeights Load(string modelPt, ParaformerConfig config, Device device)
    {
        RequireZipCheckpoint(modelPt);
        Hashtable stateDict;
        try
        {
            stateDict = PyTorchUnpickler.UnpickleStateDict(modelPt);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string why = e.Message.Contains("offset", StringComparison.OrdinalIgnoreCase)
                ? "a tensor is a view with a storage offset, which TorchSharp.PyBridge cannot read; re-save the state dict with tensors cloned (e.g. {k: v.clone() for k, v in sd.items()})"
                : $"not a readable PyTorch state dict ({e.GetType().Name}: {e.Message})";
            throw new BundleException(modelPt, why, e);
        }
        try
        {
            return FromStateDict(stateDict, modelPt, config, device);
        }
        finally
        {
            foreach (DictionaryEntry entry in stateDict)
                if (entry.Value is Tensor t) t.Dispose();
        }
    }

    /// <summary>Builds the weights from an in-memory state dict (benchmarks build random full-size ones this way).</summary>
    public static SanmEncoderWeights FromStateDict(IDictionary stateDict, string source, ParaformerConfig config, Device device)
    {
        var weights = new SanmEncoderWeights(config);
        int d = config.OutputSize, f = config.LinearUnits, k = config.KernelSize;
        Tensor Take(string key, params long[] shape)
        {
            if (!stateDict.Contains(key) || stateDict[key] is not Tensor t)
                throw new BundleException(source, $"missing encoder key '{key}'");
            if (!t.shape.SequenceEqual(shape))
                throw new BundleException(source, $"encoder key '{key}' has shape [{string.Join(", ", t.shape)}], expected [{string.Join(", ", shape)}] from config.yaml");
            if (t.dtype != ScalarType.Float32)
                throw new BundleException(source, $"encoder key '{key}' is {t.dtype}, expected float32");
            // A new handle on the same storage: disposing the state dict afterwards frees only what we do not keep.
            // Detached from any caller's dispose scope: the weights live until this object is disposed.
            var copy = t.detach().to(device).contiguous().DetachFromDisposeScope();
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

    // PyBridge reads only the zip container torch.save writes since PyTorch 1.6; say so instead of failing obscurely.
    private static void RequireZipCheckpoint(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using (var stream = File.OpenRead(path))
        {
            if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
                throw new BundleException(path, "empty or truncated file");
        }
        if (magic[0] == 0x80 && magic[1] <= 5)
            throw new BundleException(path, "legacy (pre-zip) PyTorch checkpoint; re-save it with torch.save(state_dict, path) from PyTorch ≥ 1.6 (the zip format TorchSharp.PyBridge reads)");
        if (!(magic[0] == (byte)'P' && magic[1] == (byte)'K'))
            throw new BundleException(path, "not a PyTorch zip checkpoint (no zip signature)");
    }

    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}
