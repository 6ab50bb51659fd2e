using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker.Tokenizing;

/// <summary>The tokenizer as the worker sees it: decoded clips in, one outcome per clip out, in the same order.</summary>
/// <remarks>
/// A clip the tokenizer cannot tokenize gets a failed outcome; a throw means the tokenizer itself failed, and the shard
/// fails with it (the worker does not retry clip by clip).
/// <para>
/// A clip's tokens must not depend on which clips share its batch: a resumed shard batches the remaining clips
/// differently and must still produce the same lines.
/// </para>
/// </remarks>
public interface IClipTokenizer : IDisposable
{
    IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips);

    /// <summary>
    /// A clip over <see cref="Vq0206Tokenizer.LongClipSeconds"/>, read from its file part by part in memory that does not
    /// grow with its length; <paramref name="secondsDone"/> hears the clip's seconds done after each part. A file that
    /// cannot be read throws <see cref="AudioFormatException"/>.
    /// </summary>
    ClipOutcome TokenizeLong(string wavPath, Action<double> secondsDone);

    /// <summary>Time spent per tokenizer stage so far, for the done record; null when the tokenizer does not keep it.</summary>
    TokenizerStageTimes? Times => null;
}
