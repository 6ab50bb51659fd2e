using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Bench;

/// <summary>
/// The whole tokenizer's realtime factor on <see cref="Seconds"/> of audio, as <c>bench tokenizer</c> measures it (all
/// cores, best of two), taken as often as asked with the models loaded once.
/// </summary>
public sealed class TokenizerFigure : IDisposable
{
    public const double Seconds = 60;

    private readonly TokenizerModels _models;
    private readonly DecodedAudio _clip;

    public TokenizerFigure(string bundle)
    {
        _models = TokenizerModels.Load(bundle, new ModelOptions
        {
            Device = ComputeDeviceKind.Cpu,
            TorchThreads = Environment.ProcessorCount,
        });
        _clip = TokenizerBenchmark.SpeechLikeClip(Seconds);
        TokenizerBenchmark.WarmUp(_models.CreateTokenizer(), _clip);
    }

    /// <summary>Every figure taken, in order.</summary>
    public List<double> Runs { get; } = [];

    public double Best => Runs.Max();

    public void Measure()
    {
        var tokenizer = _models.CreateTokenizer();
        var (seconds, outcome) = Bench.Measure.Best(2, () => tokenizer.TokenizeBatch([_clip])[0]);
        if (!outcome.Succeeded) throw new InvalidOperationException(outcome.Error);
        Runs.Add(Seconds / seconds);
    }

    public void Dispose() => _models.Dispose();
}
