using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker.Shard;

/// <summary>What one clip got from <see cref="ClipTokenization"/>.</summary>
/// <param name="Outcome">Its tokens, or the tokenizer's reason it has none.</param>
/// <param name="FromCache">The tokens came from the token cache.</param>
/// <param name="WavError">The clip's <c>wav:</c> error when its file turned out unreadable while tokenizing (a long clip).</param>
internal sealed record TokenizedClip(ClipOutcome Outcome, bool FromCache, string? WavError = null);
