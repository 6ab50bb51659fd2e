using System.Text;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// The reference's <c>merge_vq0206_to_token_str</c>: groups of 2 vq02 codes then 3 vq06 codes (+1024), taken
/// while a whole group remains, each written as <c>&lt;audio_N&gt;</c>. The +65536 ids <c>wav2token</c> returns
/// for inference are never used here. The grammar's constants live here; <see cref="TokenString"/> reads it back and
/// <see cref="ExpectedTokenCount"/> says how many groups a clip gets.
/// </summary>
public static class TokenMerger
{
    /// <summary>How every token starts: <c>&lt;audio_N&gt;</c>.</summary>
    public const string TokenPrefix = "<audio_";

    public const int Vq02PerGroup = 2;
    public const int Vq06PerGroup = 3;
    public const int TokensPerGroup = Vq02PerGroup + Vq06PerGroup;

    /// <summary>vq02 codes are in [0, <see cref="Vq02Codebook"/>); vq06 codes are written + <see cref="Vq06Offset"/>.</summary>
    public const int Vq02Codebook = 1024;
    public const int Vq06Offset = 1024;
    public const int Vq06Codebook = 4096;

    public static string Merge(IReadOnlyList<int> vq02, IReadOnlyList<int> vq06)
    {
        int groups = Math.Min(vq02.Count / Vq02PerGroup, vq06.Count / Vq06PerGroup);
        var sb = new StringBuilder(groups * TokensPerGroup * 12);
        for (int g = 0; g < groups; g++)
        {
            for (int k = 0; k < Vq02PerGroup; k++) Append(sb, vq02[Vq02PerGroup * g + k]);
            for (int k = 0; k < Vq06PerGroup; k++) Append(sb, vq06[Vq06PerGroup * g + k] + Vq06Offset);
        }
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, int id) => sb.Append(TokenPrefix).Append(id).Append('>');
}
