using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker.Tokenizing;

/// <summary>The tokenizer a run asks for: the model bundle, how the models run, the per-run options, and where log lines go.</summary>
public sealed record TokenizerSetup(string TokenizerDir, ModelOptions Models, TokenizeOptions Tokenize, Action<string> Log)
{
    /// <summary>The tokenizer of a planned run.</summary>
    public static TokenizerSetup Of(JobSpec spec, Action<string> log) => new(
        spec.TokenizerDir,
        new ModelOptions
        {
            Device = Enum.Parse<ComputeDeviceKind>(spec.Device, ignoreCase: true),
            TorchThreads = spec.TorchThreads,
            OnnxThreads = spec.OnnxThreads,
        },
        new TokenizeOptions { Dither = spec.Dither, Trim = spec.Trim },
        log);
}
