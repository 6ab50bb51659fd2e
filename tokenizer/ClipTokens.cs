namespace SpeechPairs.Tokenizer;

/// <summary>The tokens of one clip.</summary>
/// <param name="Vq02">vq02 codes (0..1023), one per kept encoder frame.</param>
/// <param name="Vq06">vq06 codes (0..4095), 25 per second.</param>
/// <param name="Tokens">The merged <c>&lt;audio_N&gt;</c> string: groups of 2 vq02 then 3 vq06+1024; empty when no group is complete.</param>
public sealed record ClipTokens(int[] Vq02, int[] Vq06, string Tokens);

/// <summary>One clip's result in a batch: tokens, or the reason it failed (the rest of the batch is unaffected).</summary>
public sealed record ClipOutcome(ClipTokens? Tokens, string? Error)
{
    public bool Succeeded => Tokens is not null;
}
