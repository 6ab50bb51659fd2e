using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SpeechPairs.Tokenizer.Bundle;

namespace SpeechPairs.Tokenizer.Vq06;

/// <summary>
/// CosyVoice's <c>speech_tokenizer_v1.onnx</c> (S3Tokenizer v1, 25 Hz, 4096 codes) in ONNX Runtime on the CPU,
/// configured as the reference configures it (all graph optimisations, one intra-op thread unless told otherwise).
/// Input and output names and element types are read from the model; int32 and int64 outputs both work.
/// </summary>
public sealed class SpeechTokenizerV1 : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _featsName;
    private readonly string _lengthName;
    private readonly TensorElementType _lengthType;
    private readonly string _outputName;

    private SpeechTokenizerV1(InferenceSession session, string path)
    {
        _session = session;
        var inputs = session.InputMetadata;
        if (inputs.Count != 2)
            throw new BundleException(path, $"has {inputs.Count} inputs; expected 2 (mel features and their length)");
        var (feats, length) = (inputs.ElementAt(0), inputs.ElementAt(1));
        if (feats.Value.ElementDataType != TensorElementType.Float || feats.Value.Dimensions.Length != 3)
            throw new BundleException(path, $"input '{feats.Key}' is {feats.Value.ElementDataType}[{string.Join(",", feats.Value.Dimensions)}]; expected float32 [1, n_mels, T]");
        if (length.Value.ElementDataType is not (TensorElementType.Int32 or TensorElementType.Int64))
            throw new BundleException(path, $"input '{length.Key}' is {length.Value.ElementDataType}; expected an int32 or int64 length");
        var output = session.OutputMetadata.First();
        if (output.Value.ElementDataType is not (TensorElementType.Int32 or TensorElementType.Int64))
            throw new BundleException(path, $"output '{output.Key}' is {output.Value.ElementDataType}; expected int32 or int64 token ids");
        _featsName = feats.Key;
        _lengthName = length.Key;
        _lengthType = length.Value.ElementDataType;
        _outputName = output.Key;
        int melDim = feats.Value.Dimensions[1];
        MelBins = melDim > 0 ? melDim : 128;
    }

    /// <summary>Mel bins the model expects (128 for speech_tokenizer_v1).</summary>
    public int MelBins { get; }

    public static SpeechTokenizerV1 Load(string path, int intraOpThreads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = Math.Max(1, intraOpThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new BundleException(path, $"not a loadable ONNX model ({FirstLine(e.Message)})", e);
        }
        try
        {
            return new SpeechTokenizerV1(session, path);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Token ids for one log-mel chunk [MelBins, frames] (row-major).</summary>
    public int[] Tokenize(float[] mel, int frames)
    {
        var feats = new DenseTensor<float>(mel, [1, MelBins, frames]);
        NamedOnnxValue length = _lengthType == TensorElementType.Int32
            ? NamedOnnxValue.CreateFromTensor(_lengthName, new DenseTensor<int>(new[] { frames }, [1]))
            : NamedOnnxValue.CreateFromTensor(_lengthName, new DenseTensor<long>(new[] { (long)frames }, [1]));
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_featsName, feats), length], [_outputName]);
        var value = results.First();
        return value.ElementType == TensorElementType.Int64
            ? value.AsTensor<long>().Select(v => checked((int)v)).ToArray()
            : value.AsTensor<int>().ToArray();
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    public void Dispose() => _session.Dispose();
}
