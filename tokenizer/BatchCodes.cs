namespace SpeechPairs.Tokenizer;

/// <summary>One module's codes for a batch of clips, in order: a clip has its codes, or the reason it has none.</summary>
/// <param name="Codes">A clip's codes; null where it failed.</param>
/// <param name="Errors">Why a clip failed; null where it has codes.</param>
public sealed record BatchCodes(int[]?[] Codes, string?[] Errors)
{
    /// <summary>Room for <paramref name="clips"/> results, none filled in yet.</summary>
    internal static BatchCodes For(int clips) => new(new int[clips][], new string?[clips]);
}
