using System.Text;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// The reference's <c>merge_vq0206_to_token_str</c>: groups of 2 vq02 codes then 3 vq06 codes (+1024), taken
/// while a whole group remains, each written as <c>&lt;audio_N&gt;</c>. The +65536 ids <c>wav2token</c> returns
/// for inference are never used here.
/// </summary>
public static class TokenMerger
{
    public const int Vq06Offset = 1024;

    public static string Merge(IReadOnlyList<int> vq02, IReadOnlyList<int> vq06)
    {
        int groups = Math.Min(vq02.Count / 2, vq06.Count / 3);
        var sb = new StringBuilder(groups * 5 * 12);
        for (int g = 0; g < groups; g++)
        {
            Append(sb, vq02[2 * g]);
            Append(sb, vq02[2 * g + 1]);
            for (int k = 0; k < 3; k++) Append(sb, vq06[3 * g + k] + Vq06Offset);
        }
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, int id) => sb.Append("<audio_").Append(id).Append('>');
}
