using System.Text.Json;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Tests.Worker;

public sealed class JsonLineTests
{
    private static readonly ClipPair Pair = new("中文 - Chinese/派蒙/vo_01", "中文 - Chinese/派蒙/vo_01.wav", "中文 - Chinese/派蒙/vo_01.lab", "/x.wav", "/x.lab");

    [SkippableFact]
    public void Record_has_the_schema_keys_in_order_compact_with_raw_non_ascii()
    {
        var line = PairLines.Record(Pair, "你好，旅行者！", "<audio_1><audio_1030>", 48000);
        Assert.Equal(
            """{"id":"中文 - Chinese/派蒙/vo_01","text":"你好，旅行者！","tokens":"<audio_1><audio_1030>","rel_wav":"中文 - Chinese/派蒙/vo_01.wav","rel_lab":"中文 - Chinese/派蒙/vo_01.lab","sr":48000}""",
            line);
        using var document = JsonDocument.Parse(line);
        Assert.Equal(["id", "text", "tokens", "rel_wav", "rel_lab", "sr"], document.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [SkippableFact]
    public void Error_line_has_id_rel_wav_error()
    {
        Assert.Equal("""{"id":"中文 - Chinese/派蒙/vo_01","rel_wav":"中文 - Chinese/派蒙/vo_01.wav","error":"transcript: empty"}""",
            PairLines.Error(Pair, "transcript: empty"));
    }

    [SkippableTheory]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("l1\nl2\r\n\tx", "\"l1\\nl2\\r\\n\\tx\"")]
    [InlineData("\b\f\u0000\u001f", "\"\\b\\f\\u0000\\u001f\"")]
    [InlineData("<audio_1>&'\u007f/", "\"<audio_1>&'\u007f/\"")]
    [InlineData("emoji 😀 𠀀 \u2028", "\"emoji 😀 𠀀 \u2028\"")]
    public void Strings_are_escaped_like_python_json_dumps_with_ensure_ascii_false(string value, string expected)
    {
        var text = new System.Text.StringBuilder();
        JsonLineBuilder.AppendString(text, value);
        Assert.Equal(expected, text.ToString());
    }

    [SkippableFact]
    public void A_lone_surrogate_is_escaped_so_the_line_stays_valid_utf8()
    {
        // Not theory data: xunit's serialization of test cases would replace the lone surrogate.
        var text = new System.Text.StringBuilder();
        JsonLineBuilder.AppendString(text, "lone \ud800 x \udc00");
        Assert.Equal("\"lone \\ud800 x \\udc00\"", text.ToString());
    }

    [SkippableFact]
    public void Lines_round_trip_through_a_json_parser()
    {
        const string text = "第一行\n\"引号\" \\ 反斜杠\t😀\u0001";
        using var document = JsonDocument.Parse(PairLines.Record(Pair, text, "<audio_5>", 44100));
        Assert.Equal(text, document.RootElement.GetProperty("text").GetString());
        Assert.Equal(44100, document.RootElement.GetProperty("sr").GetInt32());
    }

    [SkippableFact]
    public void Arrays_and_numbers_are_compact()
    {
        var line = new JsonLineBuilder().Add("wav", "a.wav").Add("sr", 16000).Add("vq02", [1, 2, 1023]).Add("vq06", []).ToString();
        Assert.Equal("""{"wav":"a.wav","sr":16000,"vq02":[1,2,1023],"vq06":[]}""", line);
    }
}
