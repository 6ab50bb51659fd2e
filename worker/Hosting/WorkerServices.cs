using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Hosting;

/// <summary>The heavy collaborators of the commands: the WAV reader and the tokenizer loader.</summary>
/// <remarks>
/// <see cref="Production"/> is the real pair. Tests hand in their own where the real ones cannot do what the test
/// needs: a tokenizer that throws for a whole batch, stops at a gate (to signal a worker mid-batch) or counts its
/// calls, at test speed; a WAV reader that counts decodes per file.
/// </remarks>
public sealed record WorkerServices(IWavReader WavReader, Func<TokenizerSetup, IClipTokenizer> LoadTokenizer)
{
    /// <summary>The real WAV reader and the Step-Audio tokenizer.</summary>
    public static WorkerServices Production() => new(new TokenizerWavReader(), StepAudioClipTokenizer.Load);

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
