using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Tokenizing;

/// <summary>
/// The one rule every command calls the tokenizer by: a clip the tokenizer cannot tokenize has its error in its
/// outcome; a throw, or a wrong number of outcomes, is the tokenizer itself failing, and fails the command with a
/// <see cref="WorkerFailureException"/> naming what it was given.
/// </summary>
internal static class TokenizerCalls
{
    /// <summary>One outcome per clip of <paramref name="clips"/>, in order; <paramref name="what"/> names them in a failure.</summary>
    public static IReadOnlyList<ClipOutcome> Batch(IClipTokenizer tokenizer, IReadOnlyList<DecodedAudio> clips, string what)
    {
        var outcomes = Guarded(what, () => tokenizer.TokenizeBatch(clips));
        return outcomes.Count == clips.Count
            ? outcomes
            : throw new WorkerFailureException($"the tokenizer returned {outcomes.Count} outcomes for {clips.Count} clips");
    }

    /// <summary>
    /// A long clip from its file (<see cref="IClipTokenizer.TokenizeLong"/>). A file that turns out unreadable throws
    /// <see cref="AudioFormatException"/>: the clip's own error, for the caller to record.
    /// </summary>
    public static ClipOutcome Long(IClipTokenizer tokenizer, string wavPath, Action<double> secondsDone, string what) =>
        Guarded(what, () => tokenizer.TokenizeLong(wavPath, secondsDone));

    private static T Guarded<T>(string what, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is not (WorkerFailureException or AudioFormatException))
        {
            throw new WorkerFailureException($"the tokenizer failed on {what}: {Messages.FirstLine(e.Message)}", e);
        }
    }
}
