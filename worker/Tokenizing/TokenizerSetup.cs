using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker.Tokenizing;

/// <summary>What loading the tokenizer needs: the model bundle, how to run it, and where its log lines go.</summary>
public sealed record TokenizerSetup(string TokenizerDir, TokenizerOptions Options, Action<string> Log);

/// <summary>The tokenizer options of a planned run.</summary>
public static class TokenizerSetups
{
    public static SpeechPairs.Tokenizer.TokenizerOptions Options(SpeechPairs.Contract.JobSpec spec) => new()
    {
        Device = Enum.Parse<SpeechPairs.Tokenizer.ComputeDeviceKind>(spec.Device, ignoreCase: true),
        TorchThreads = spec.TorchThreads,
        OnnxThreads = spec.OnnxThreads,
        Dither = spec.Dither,
        Trim = spec.Trim,
    };
}
