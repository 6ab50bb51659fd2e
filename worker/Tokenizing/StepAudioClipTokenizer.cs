using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker.Tokenizing;

/// <summary>The production tokenizer: the Step-Audio vq0206 models, loaded once per worker process.</summary>
/// <remarks>Thread counts and the device come from <see cref="ModelOptions"/>, applied by <c>TokenizerModels.Load</c>.</remarks>
public sealed class StepAudioClipTokenizer : IClipTokenizer
{
    private readonly TokenizerModels _models;
    private readonly Vq0206Tokenizer _tokenizer;

    private StepAudioClipTokenizer(TokenizerModels models, TokenizerSetup setup)
    {
        _models = models;
        _tokenizer = models.CreateTokenizer(setup.Tokenize, setup.Log);
    }

    /// <summary>Loads the bundle; a bad bundle throws <c>BundleException</c> with a one-line message naming the file.</summary>
    public static StepAudioClipTokenizer Load(TokenizerSetup setup) =>
        new(TokenizerModels.Load(setup.TokenizerDir, setup.Models, setup.Log), setup);

    public IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips) => _tokenizer.TokenizeBatch(clips);

    public ClipOutcome TokenizeLong(string wavPath, Action<double> secondsDone)
    {
        using var file = WavReader.Open(wavPath);
        return _tokenizer.TokenizeLong(file, secondsDone);
    }

    public TokenizerStageTimes Times => _tokenizer.Times;

    public void Dispose() => _models.Dispose();
}
