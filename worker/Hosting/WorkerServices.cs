using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Hosting;

/// <summary>The heavy collaborators of the commands: the WAV reader and the tokenizer loader.</summary>
/// <remarks>Production code uses <see cref="ProductionServices.Create"/>; tests hand in their own.</remarks>
public sealed record WorkerServices(IWavReader WavReader, Func<TokenizerSetup, IClipTokenizer> LoadTokenizer)
{
    /// <summary>Loads the tokenizer; any failure (a bad model bundle, say) becomes a one-line <see cref="WorkerFailureException"/>.</summary>
    public IClipTokenizer CreateTokenizer(TokenizerSetup setup)
    {
        try
        {
            return LoadTokenizer(setup);
        }
        catch (Exception e) when (e is not WorkerFailureException)
        {
            throw new WorkerFailureException($"cannot load the tokenizer from {setup.TokenizerDir}: {Messages.FirstLine(e.Message)}", e);
        }
    }
}
