using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker;

/// <summary>The tokenizer as the worker sees it: decoded clips in, one outcome per clip out, in the same order.</summary>
/// <remarks>
/// A clip's tokens must not depend on which clips share its batch: a resumed shard batches the remaining clips
/// differently and must still produce the same lines.
/// </remarks>
public interface IClipTokenizer : IDisposable
{
    IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips);

    /// <summary>Time spent per tokenizer stage so far, for the done record; null when the tokenizer does not keep it.</summary>
    TokenizerStageTimes? Times => null;
}
