namespace SpeechPairs.Tokenizer;

/// <summary>What a token string holds, or why it is not one <see cref="TokenMerger"/> writes.</summary>
/// <param name="Tokens">Well-formed <c>&lt;audio_N&gt;</c> tokens read before any problem.</param>
/// <param name="Problem">Null when the string is groups of two vq02 codes in [0, 1024) then three vq06 codes in [1024, 5120).</param>
public sealed record TokenString(long Tokens, string? Problem)
{
    private const string Open = TokenMerger.TokenPrefix;

    public long Groups => Tokens / TokenMerger.TokensPerGroup;

    public static TokenString Parse(ReadOnlySpan<char> text)
    {
        long count = 0;
        while (!text.IsEmpty)
        {
            if (!text.StartsWith(Open, StringComparison.Ordinal))
                return new TokenString(count, $"token {count + 1} does not start with {Open}");
            text = text[Open.Length..];
            var close = text.IndexOf('>');
            var digits = close < 0 ? text : text[..close];
            if (close < 1 || close > 6 || !AllDigits(digits) || (digits.Length > 1 && digits[0] == '0'))
                return new TokenString(count, $"token {count + 1} is not <audio_N>");
            var value = int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
            var isVq02 = count % TokenMerger.TokensPerGroup < TokenMerger.Vq02PerGroup;
            var (low, high) = isVq02 ? (0, TokenMerger.Vq02Codebook) : (TokenMerger.Vq06Offset, TokenMerger.Vq06Offset + TokenMerger.Vq06Codebook);
            if (value < low || value >= high)
                return new TokenString(count, $"token {count + 1} is <audio_{value}>, a {(isVq02 ? "vq02" : "vq06")} code must be in [{low}, {high})");
            count++;
            text = text[(close + 1)..];
        }

        return count % TokenMerger.TokensPerGroup == 0
            ? new TokenString(count, null)
            : new TokenString(count, $"{count} tokens: the last group is cut short");
    }

    private static bool AllDigits(ReadOnlySpan<char> digits)
    {
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
                return false;
        }

        return true;
    }
}
