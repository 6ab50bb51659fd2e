namespace SpeechPairs.Contract;

/// <summary>
/// The errors file beside an output, a shard's or the merged one: one <see cref="ErrorRecord"/> line per clip that got
/// no tokens, always plain JSONL.
/// </summary>
public static class ErrorsFile
{
    /// <summary>What the errors file adds to its output's name.</summary>
    public const string Suffix = ".errors.jsonl";

    /// <summary>The errors file of <paramref name="output"/>.</summary>
    public static string Beside(string output) => output + Suffix;
}
