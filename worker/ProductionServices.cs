namespace SpeechPairs.Worker;

/// <summary>
/// Wires the real WAV reader and tokenizer. Their adapters live in files that are excluded from compilation until the
/// tokenizer library provides <c>WavReader</c>, <c>TokenizerModels</c> and <c>Vq0206Tokenizer</c>
/// (see worker/SpeechPairs.Worker.csproj). Each adapter file implements one of the partial methods below, so enabling it
/// needs no other edit; while it is excluded the call compiles away and the worker says what is missing.
/// </summary>
internal static partial class ProductionServices
{
    public static WorkerServices Create()
    {
        IWavReader? wavReader = null;
        CreateWavReader(ref wavReader);
        if (wavReader is null)
            throw new WorkerFailureException(
                "this build has no WAV reader (worker/TokenizerWavReader.cs is excluded in worker/SpeechPairs.Worker.csproj)");
        return new WorkerServices(wavReader, LoadTokenizer);
    }

    private static IClipTokenizer LoadTokenizer(TokenizerSetup setup)
    {
        IClipTokenizer? tokenizer = null;
        LoadStepAudioTokenizer(setup, ref tokenizer);
        return tokenizer ?? throw new WorkerFailureException(
            "this build has no tokenizer (worker/StepAudioClipTokenizer.cs is excluded in worker/SpeechPairs.Worker.csproj)");
    }

    static partial void CreateWavReader(ref IWavReader? wavReader);

    static partial void LoadStepAudioTokenizer(TokenizerSetup setup, ref IClipTokenizer? tokenizer);
}
