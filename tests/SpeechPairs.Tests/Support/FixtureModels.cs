using SpeechPairs.Tokenizer;

namespace SpeechPairs.Tests.Support;

/// <summary>The fixture bundle loaded once per test class (xunit class fixture).</summary>
public sealed class FixtureModels : IDisposable
{
    private static readonly Lazy<TokenizerModels> Shared = new(() => Load(new ModelOptions()));

    /// <summary>Default options: CPU, 1 torch thread, 1 ONNX thread.</summary>
    public TokenizerModels Models => Shared.Value;

    public static TokenizerModels Load(ModelOptions options)
        => TokenizerModels.Load(GoldenFixtures.BundleDir, options with { Device = ComputeDeviceKind.Cpu });

    // The shared models live for the whole test run.
    public void Dispose()
    {
    }
}
