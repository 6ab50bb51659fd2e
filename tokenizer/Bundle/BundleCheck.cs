using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;

namespace SpeechPairs.Tokenizer.Bundle;

/// <summary>
/// Opens every file of a tokenizer bundle far enough to know it will load (config and CMVN parsed, the centroids'
/// header and length, the checkpoint's pickle and encoder keys, the ONNX file's structure) without loading a model:
/// the check a run makes before it extracts anything. Each problem names its file.
/// </summary>
public static class BundleCheck
{
    /// <summary>The problems of the bundle in <paramref name="tokenizerDir"/>; empty when it will load.</summary>
    public static IReadOnlyList<string> Problems(string tokenizerDir)
    {
        var layout = new BundleLayout(Path.GetFullPath(tokenizerDir));
        if (!Directory.Exists(layout.Root))
            return [$"TokenizerDir '{layout.Root}' does not exist."];
        var files = new[] { layout.ModelPt, layout.ConfigYaml, layout.AmMvn, layout.Centroids, layout.SpeechTokenizerOnnx };
        var missing = files.Where(f => !File.Exists(f)).ToArray();
        if (missing.Length == files.Length)
            return [$"TokenizerDir '{layout.Root}' is not a Step-Audio-Tokenizer bundle: it needs linguistic_tokenizer.npy, speech_tokenizer_v1.onnx and {BundleLayout.FunAsrModelId}/{{model.pt,config.yaml,am.mvn}}, and has none of them."];
        if (missing.Length > 0)
            return [.. missing.Select(f => $"{f}: missing from the tokenizer bundle (TokenizerDir '{layout.Root}').")];

        var problems = new List<string>();
        ParaformerConfig? config = null;
        Run(problems, () => config = ParaformerConfig.Load(layout.ConfigYaml), layout.ConfigYaml);
        Run(problems, () =>
        {
            var cmvn = CmvnStats.Load(layout.AmMvn);
            if (config is not null && cmvn.Dim != config.InputSize)
                throw new BundleException(layout.AmMvn, $"CMVN has {cmvn.Dim} values; config.yaml implies {config.NumMelBins}×{config.LfrM} = {config.InputSize}");
        }, layout.AmMvn);
        Run(problems, () =>
        {
            var array = NpyArray.Read(layout.Centroids);
            if (array.DType != "f4")
                throw new BundleException(layout.Centroids, $"dtype {array.DType}; expected float32 (<f4) centroids");
            if (config is not null && (array.Shape.Length != 2 || array.Shape[1] != config.OutputSize || array.Shape[0] < 1))
                throw new BundleException(layout.Centroids, $"shape ({string.Join(", ", array.Shape)}); expected (K, {config.OutputSize}) to match the encoder width in config.yaml");
        }, layout.Centroids);
        if (config is not null)
            Run(problems, () => SanmEncoderWeights.Check(layout.ModelPt, config), layout.ModelPt);
        Run(problems, () => OnnxFileCheck.Check(layout.SpeechTokenizerOnnx), layout.SpeechTokenizerOnnx);
        return problems;
    }

    private static void Run(List<string> problems, Action check, string file)
    {
        try
        {
            check();
        }
        catch (BundleException e)
        {
            problems.Add(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or EndOfStreamException or FormatException)
        {
            problems.Add($"{file}: {e.Message}");
        }
    }
}
