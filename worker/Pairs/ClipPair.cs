using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Pairs;

/// <summary>A <c>.wav</c> and the <c>.lab</c> transcript of the same stem in the same directory.</summary>
/// <param name="Id">
/// Relative path without extension, '/' separators, in Unicode NFC: the key of the output line and of resume. A pair
/// whose id collides with another's (<see cref="Error"/>) keeps the stem as the archive spells it instead, so each of
/// its error lines still names exactly one pair.
/// </param>
/// <param name="RelWav">The WAV's path relative to the extract dir, '/' separators, as the archive spells it.</param>
/// <param name="RelLab">The transcript's path relative to the extract dir, '/' separators, as the archive spells it.</param>
/// <param name="WavPath">The WAV's full path on this machine.</param>
/// <param name="LabPath">The transcript's full path on this machine.</param>
/// <param name="Error">Why the walk already knows this pair cannot become a record (an id collision); its error line says this.</param>
public sealed record ClipPair(string Id, string RelWav, string RelLab, string WavPath, string LabPath, string? Error = null)
{
    /// <summary>The pair's record, with what the tokenizer and the transcript gave.</summary>
    public PairRecord Record(string text, string tokens, int sampleRate) => new(Id, text, tokens, RelWav, RelLab, sampleRate);

    /// <summary>The pair's errors-file record.</summary>
    public ErrorRecord ErrorRecord(string error) => new(Id, RelWav, error);
}
