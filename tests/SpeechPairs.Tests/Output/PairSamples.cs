using System.Text;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Output;

namespace SpeechPairs.Tests.Output;

/// <summary>Pair records for the output tests, made without the tokenizer.</summary>
internal static class PairSamples
{
    /// <summary>Hard cases for a string column: CJK, emoji, escapes, control characters, empty and large values.</summary>
    public static IReadOnlyList<PairRecord> Tricky { get; } =
    [
        new("中文 - Chinese/派蒙/vo_01", "你好，旅行者！", "<audio_1><audio_1030>", "中文 - Chinese/派蒙/vo_01.wav", "中文 - Chinese/派蒙/vo_01.lab", 48000),
        new("emoji/😀", "emoji 😀 𠀀 \u2028 \u2029", "<audio_0>", "emoji/😀.wav", "emoji/😀.lab", 44100),
        new("q/\"quoted\"", "say \"hi\" \\ back\\slash \\\"", "<audio_2>", "q/\"quoted\".wav", "q/\"quoted\".lab", 16000),
        new("ctl/1", "l1\nl2\r\n\tx\b\f\u0000\u001f\u007f", "<audio_3>", "ctl/1.wav", "ctl/1.lab", 22050),
        new("", "", "", "", "", 0),
        new(" ", " ", "<audio_4>", "x.wav", "x.lab", int.MaxValue),
        new("neg", "x", "<audio_5>", "neg.wav", "neg.lab", int.MinValue),
        new("big/tokens", "长文本" + new string('字', 5000), Tokens(0, 40_000), "big/tokens.wav", "big/tokens.lab", 48000),
    ];

    /// <summary>A deterministic stream of ordinary-looking records with a token string of roughly <paramref name="tokenCount"/> tokens.</summary>
    public static IEnumerable<PairRecord> Generated(int count, int tokenCount, int first = 0)
    {
        for (var i = first; i < first + count; i++)
        {
            var id = $"日本語 - Japanese/角色{i % 97}/vo_{i:D7}";
            yield return new PairRecord(id, $"第{i}句：「こんにちは」 \"{i}\"", Tokens(i, tokenCount), id + ".wav", id + ".lab", i % 2 == 0 ? 48000 : 44100);
        }
    }

    public static string Tokens(int seed, int count)
    {
        var text = new StringBuilder(count * 11);
        var state = (uint)seed * 2654435761u + 1;
        for (var t = 0; t < count; t++)
        {
            state = state * 1664525u + 1013904223u;
            text.Append("<audio_").Append(state % 6561).Append('>');
        }

        return text.ToString();
    }
}
