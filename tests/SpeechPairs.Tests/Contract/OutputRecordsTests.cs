using System.Text;
using System.Text.Json;
using SpeechPairs.Contract;

namespace SpeechPairs.Tests.Contract;

/// <summary>The one codec of output and error lines: Python-compatible bytes out, a strict reader in.</summary>
public sealed class OutputRecordsTests
{
    private static readonly PairRecord Pair = new("中文 - Chinese/派蒙/vo_01", "你好，旅行者！", "<audio_1><audio_1030>",
        "中文 - Chinese/派蒙/vo_01.wav", "中文 - Chinese/派蒙/vo_01.lab", 48000);

    [SkippableFact]
    public void Record_has_the_schema_keys_in_order_compact_with_raw_non_ascii()
    {
        var line = Pair.ToLine();
        Assert.Equal(
            """{"id":"中文 - Chinese/派蒙/vo_01","text":"你好，旅行者！","tokens":"<audio_1><audio_1030>","rel_wav":"中文 - Chinese/派蒙/vo_01.wav","rel_lab":"中文 - Chinese/派蒙/vo_01.lab","sr":48000}""",
            line);
        using var document = JsonDocument.Parse(line);
        Assert.Equal(PairRecord.Keys, document.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [SkippableFact]
    public void Error_line_has_id_rel_wav_error()
    {
        Assert.Equal("""{"id":"中文 - Chinese/派蒙/vo_01","rel_wav":"中文 - Chinese/派蒙/vo_01.wav","error":"transcript: empty"}""",
            new ErrorRecord(Pair.Id, Pair.RelWav, ErrorKinds.Error(ErrorKinds.Transcript, "empty")).ToLine());
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
        var text = new StringBuilder();
        JsonLineBuilder.AppendString(text, value);
        Assert.Equal(expected, text.ToString());
    }

    [SkippableFact]
    public void A_lone_surrogate_is_escaped_so_the_line_stays_valid_utf8()
    {
        // Not theory data: xunit's serialization of test cases would replace the lone surrogate.
        var text = new StringBuilder();
        JsonLineBuilder.AppendString(text, "lone \ud800 x \udc00");
        Assert.Equal("\"lone \\ud800 x \\udc00\"", text.ToString());
    }

    [SkippableFact]
    public void Arrays_and_numbers_are_compact()
    {
        var line = new JsonLineBuilder().Add("wav", "a.wav").Add("sr", 16000).Add("vq02", [1, 2, 1023]).Add("vq06", []).ToString();
        Assert.Equal("""{"wav":"a.wav","sr":16000,"vq02":[1,2,1023],"vq06":[]}""", line);
    }

    [SkippableFact]
    public void A_line_reads_back_to_its_record_and_is_rebuilt_exactly()
    {
        const string line = """{"id":"中文/派蒙/vo_01","text":"\"引号\" \\ 😀\n\u0001","tokens":"<audio_1>","rel_wav":"中文/派蒙/vo_01.wav","rel_lab":"中文/派蒙/vo_01.lab","sr":48000}""";
        var record = PairRecord.Read(line);
        Assert.Equal(new PairRecord("中文/派蒙/vo_01", "\"引号\" \\ 😀\n\u0001", "<audio_1>", "中文/派蒙/vo_01.wav", "中文/派蒙/vo_01.lab", 48000), record);
        Assert.Equal(line, record.ToLine());
        var error = new ErrorRecord("a", "a.wav", "too long: 31.00 s > --max-duration 30 s");
        Assert.Equal(error, ErrorRecord.Read(error.ToLine()));
    }

    [SkippableTheory]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1.5}""")]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":4294967296}""")]
    [InlineData("""{"id":null,"text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1}""")]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1} x""")]
    [InlineData("""{"id":"\ud800","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1}""")]
    [InlineData("""{"id":"a",""")]
    [InlineData("""not json""")]
    public void Lines_that_are_not_json_records_are_unparsable(string line)
    {
        Assert.False(PairRecord.TryRead(line, out _, out var problem, out var reason));
        Assert.Equal(RecordProblem.Unparsable, problem);
        Assert.NotEmpty(reason);
        Assert.Throws<FormatException>(() => PairRecord.Read(line));
    }

    [SkippableTheory]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e"}""")]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1,"x":2}""")]
    [InlineData("""{"id":"a","id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1}""")]
    [InlineData("""{"text":"b","id":"a","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1}""")]
    public void Missing_extra_repeated_or_reordered_keys_are_refused(string line)
    {
        Assert.False(PairRecord.TryRead(line, out _, out var problem, out var reason));
        Assert.Equal(RecordProblem.Keys, problem);
        Assert.EndsWith("expected id,text,tokens,rel_wav,rel_lab,sr", reason);
    }

    [SkippableTheory]
    [InlineData("""{"rel_wav":"a.wav","id":"a","error":"wav: x"}""", RecordProblem.Keys)]
    [InlineData("""{"id":"a","rel_wav":"a.wav","error":"wav: x","x":1}""", RecordProblem.Keys)]
    [InlineData("""{"id":"a","rel_wav":"a.wav","error":1}""", RecordProblem.Unparsable)]
    public void Error_lines_are_read_as_strictly(string line, RecordProblem expected)
    {
        Assert.False(ErrorRecord.TryRead(Encoding.UTF8.GetBytes(line), out _, out var problem, out _));
        Assert.Equal(expected, problem);
    }

    [SkippableTheory]
    [InlineData("too long: 31.00 s > --max-duration 30 s", ErrorKinds.TooLong, true)]
    [InlineData("id collision: same NFC id as x", ErrorKinds.IdCollision, false)]
    [InlineData("wav: more than one data chunk", ErrorKinds.Wav, false)]
    [InlineData("no colon", "no colon", false)]
    public void The_kind_is_the_text_before_the_first_colon(string error, string kind, bool excluded)
    {
        var record = new ErrorRecord("a", "a.wav", error);
        Assert.Equal(kind, record.Kind);
        Assert.Equal(excluded, record.IsExcluded);
    }
}
