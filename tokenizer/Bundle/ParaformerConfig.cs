using YamlDotNet.RepresentationModel;

namespace SpeechPairs.Tokenizer.Bundle;

/// <summary>
/// The parts of FunASR's <c>config.yaml</c> the tokenizer needs: the SAN-M encoder's sizes and the front end's
/// mel/LFR settings. Sizes always come from here, so the tiny demo bundle and the real models share one code path.
/// </summary>
public sealed record ParaformerConfig(
    string Encoder,
    int OutputSize,
    int AttentionHeads,
    int LinearUnits,
    int NumBlocks,
    int KernelSize,
    int SanmShift,
    string InputLayer,
    bool NormalizeBefore,
    string Frontend,
    int SampleRate,
    int NumMelBins,
    int LfrM,
    int LfrN,
    double? Dither)
{
    /// <summary>Width of the encoder input: n_mels × lfr_m.</summary>
    public int InputSize => NumMelBins * LfrM;

    public static ParaformerConfig Load(string path)
    {
        YamlMappingNode root;
        try
        {
            using var reader = new StreamReader(path);
            var yaml = new YamlStream();
            yaml.Load(reader);
            root = yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is YamlMappingNode m
                ? m
                : throw new BundleException(path, "not a YAML mapping");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new BundleException(path, $"invalid YAML ({e.Message})", e);
        }

        var encoderConf = Section(root, "encoder_conf", path);
        var frontendConf = Section(root, "frontend_conf", path);
        var config = new ParaformerConfig(
            Encoder: Scalar(root, "encoder", path),
            OutputSize: Int(encoderConf, "output_size", path),
            AttentionHeads: Int(encoderConf, "attention_heads", path),
            LinearUnits: Int(encoderConf, "linear_units", path),
            NumBlocks: Int(encoderConf, "num_blocks", path),
            KernelSize: Int(encoderConf, "kernel_size", path),
            SanmShift: OptionalInt(encoderConf, "sanm_shfit") ?? 0,
            InputLayer: OptionalScalar(encoderConf, "input_layer") ?? "",
            NormalizeBefore: (OptionalScalar(encoderConf, "normalize_before") ?? "true").Equals("true", StringComparison.OrdinalIgnoreCase),
            Frontend: Scalar(root, "frontend", path),
            SampleRate: OptionalInt(frontendConf, "fs") ?? 16000,
            NumMelBins: OptionalInt(frontendConf, "n_mels") ?? 80,
            LfrM: OptionalInt(frontendConf, "lfr_m") ?? 1,
            LfrN: OptionalInt(frontendConf, "lfr_n") ?? 1,
            Dither: OptionalDouble(frontendConf, "dither"));
        config.Validate(path);
        return config;
    }

    private void Validate(string path)
    {
        if (Encoder != "SANMEncoderChunkOpt")
            throw new BundleException(path, $"encoder is '{Encoder}'; the vq02 tokenizer needs FunASR's streaming SANMEncoderChunkOpt");
        if (Frontend != "WavFrontendOnline")
            throw new BundleException(path, $"frontend is '{Frontend}'; the vq02 tokenizer needs WavFrontendOnline");
        if (InputLayer != "pe_online")
            throw new BundleException(path, $"encoder_conf.input_layer is '{InputLayer}'; the streaming encoder needs pe_online");
        if (!NormalizeBefore) throw new BundleException(path, "encoder_conf.normalize_before is false; the SAN-M encoder here is pre-LayerNorm");
        if (SampleRate != 16000) throw new BundleException(path, $"frontend_conf.fs is {SampleRate}; only 16000 is supported");
        if (OutputSize <= 0 || AttentionHeads <= 0 || OutputSize % AttentionHeads != 0)
            throw new BundleException(path, $"encoder_conf.output_size {OutputSize} is not a positive multiple of attention_heads {AttentionHeads}");
        if (NumBlocks < 1 || LinearUnits < 1 || KernelSize < 1 || KernelSize % 2 == 0)
            throw new BundleException(path, $"implausible encoder sizes (num_blocks {NumBlocks}, linear_units {LinearUnits}, kernel_size {KernelSize})");
        if (SanmShift != 0) throw new BundleException(path, $"encoder_conf.sanm_shfit {SanmShift} is not supported (the Step-Audio encoder uses 0)");
        if (NumMelBins < 1 || LfrM < 1 || LfrN < 1) throw new BundleException(path, "implausible frontend_conf (n_mels, lfr_m, lfr_n)");
    }

    private static YamlMappingNode Section(YamlMappingNode root, string key, string path)
        => root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlMappingNode m
            ? m
            : throw new BundleException(path, $"no '{key}' section");

    private static string Scalar(YamlMappingNode map, string key, string path)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } v }
            ? v
            : throw new BundleException(path, $"no '{key}' value");

    private static string? OptionalScalar(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } v } ? v : null;

    private static int Int(YamlMappingNode map, string key, string path)
        => OptionalInt(map, key) ?? throw new BundleException(path, $"no integer '{key}'");

    private static int? OptionalInt(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } v }
           && int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int i)
            ? i
            : null;

    private static double? OptionalDouble(YamlMappingNode map, string key)
        => map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { } v }
           && double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double d)
            ? d
            : null;
}
