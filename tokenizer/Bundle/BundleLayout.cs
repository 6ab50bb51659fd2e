namespace SpeechPairs.Tokenizer.Bundle;

/// <summary>
/// Where the files of a downloaded <c>Step-Audio-Tokenizer/</c> directory are. The same layout holds the real
/// 881 MB models and the tiny random-weight demo bundle.
/// </summary>
public sealed record BundleLayout(string Root)
{
    /// <summary>The FunASR model directory inside the bundle (named after its ModelScope id).</summary>
    public const string FunAsrModelId = "dengcunqin/speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online";

    public string FunAsrDir => Path.Combine(Root, FunAsrModelId.Replace('/', Path.DirectorySeparatorChar));

    public string ModelPt => Path.Combine(FunAsrDir, "model.pt");

    public string ConfigYaml => Path.Combine(FunAsrDir, "config.yaml");

    public string AmMvn => Path.Combine(FunAsrDir, "am.mvn");

    public string Centroids => Path.Combine(Root, "linguistic_tokenizer.npy");

    public string SpeechTokenizerOnnx => Path.Combine(Root, "speech_tokenizer_v1.onnx");

    /// <summary>Every file the tokenizer reads, by its name in the bundle: what identifies a bundle's contents.</summary>
    public IReadOnlyList<(string Name, string Path)> Files =>
    [
        ("model.pt", ModelPt), ("config.yaml", ConfigYaml), ("am.mvn", AmMvn),
        ("linguistic_tokenizer.npy", Centroids), ("speech_tokenizer_v1.onnx", SpeechTokenizerOnnx),
    ];

    /// <summary>Throws <see cref="BundleException"/> for the first required file that is missing.</summary>
    public void RequireFiles()
    {
        if (!Directory.Exists(Root))
            throw new BundleException(Root, "tokenizer directory not found (expected a downloaded Step-Audio-Tokenizer/ directory)");
        foreach (var file in new[] { ConfigYaml, AmMvn, ModelPt, Centroids, SpeechTokenizerOnnx })
        {
            if (!File.Exists(file))
                throw new BundleException(file, $"missing from the tokenizer directory (expected the Step-Audio-Tokenizer layout: {FunAsrModelId}/{{model.pt, config.yaml, am.mvn}}, linguistic_tokenizer.npy, speech_tokenizer_v1.onnx)");
        }
    }
}
