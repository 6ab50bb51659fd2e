using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

/// <summary>
/// The base of the tests' tokenizers: a long clip is decoded whole and tokenized as a batch of one. The real tokenizer
/// reads it part by part; the tests' doubles need only its outcome.
/// </summary>
internal abstract class TestTokenizer : IClipTokenizer
{
    public abstract IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips);

    public virtual ClipOutcome TokenizeLong(string wavPath, Action<double> secondsDone) => TokenizeBatch([WavReader.Read(wavPath)])[0];

    public virtual void Dispose()
    {
    }
}
