using SpeechPairs.Tests.Support;
using System.Text;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Tests.Worker;

public sealed class TranscriptReaderTests
{
    private const string Chinese = "旅行者，欢迎来到蒙德！\n这是第二行。";

    static TranscriptReaderTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static string Decode(byte[] bytes)
    {
        Assert.True(TranscriptReader.TryDecode(bytes, out var text, out var error), error);
        return text;
    }

    private static string Fail(byte[] bytes)
    {
        Assert.False(TranscriptReader.TryDecode(bytes, out var text, out var error));
        Assert.Null(text);
        return error;
    }

    [SkippableFact]
    public void Utf8_without_bom() => Assert.Equal(Chinese, Decode(Encoding.UTF8.GetBytes(Chinese)));

    [SkippableFact]
    public void Utf8_with_bom() => Assert.Equal(Chinese, Decode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Chinese)]));

    [SkippableFact]
    public void Utf16_little_endian_with_bom() => Assert.Equal(Chinese, Decode([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Chinese)]));

    [SkippableFact]
    public void Utf16_big_endian_with_bom() => Assert.Equal(Chinese, Decode([0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(Chinese)]));

    [SkippableFact]
    public void Gb18030_when_the_bytes_are_not_utf8()
    {
        var bytes = Encoding.GetEncoding("GB18030").GetBytes(Chinese);
        Assert.Throws<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(bytes));
        Assert.Equal(Chinese, Decode(bytes));
    }

    [SkippableFact]
    public void Surrounding_whitespace_is_trimmed_and_inner_newlines_become_lf() =>
        Assert.Equal("第一行\n\n第二行", Decode(Encoding.UTF8.GetBytes(" \t\r\n第一行\r\n\n第二行 \n\u3000")));

    [SkippableFact]
    public void Empty_and_blank_transcripts_are_errors()
    {
        Assert.Equal("transcript: empty", Fail([]));
        Assert.Equal("transcript: empty", Fail(Encoding.UTF8.GetBytes(" \r\n\t ")));
        Assert.Equal("transcript: empty", Fail([0xEF, 0xBB, 0xBF]));
        Assert.Equal("transcript: empty", Fail([0xFF, 0xFE, 0x20, 0x00]));
    }

    [SkippableFact]
    public void Bytes_valid_in_no_supported_encoding_are_an_error() =>
        Assert.Equal("transcript: not valid UTF-8 or GB18030", Fail([0x41, 0xFF, 0xFF, 0x42]));

    [SkippableFact]
    public void Broken_text_after_a_bom_is_an_error()
    {
        Assert.Equal("transcript: not valid UTF-8 (with BOM)", Fail([0xEF, 0xBB, 0xBF, 0xC3, 0x28]));
        Assert.Equal("transcript: not valid UTF-16 LE (with BOM)", Fail([0xFF, 0xFE, 0x41, 0x00, 0x00, 0xD8])); // lone surrogate
        Assert.Equal("transcript: not valid UTF-16 BE (with BOM)", Fail([0xFE, 0xFF, 0x00, 0x41, 0x42])); // odd length
    }

    [SkippableFact]
    public void Reads_files_and_reports_missing_ones()
    {
        using var temp = new TempDir();
        var path = temp.Combine("带 空格.lab");
        File.WriteAllBytes(path, Encoding.GetEncoding("GB18030").GetBytes("  派蒙\n"));
        Assert.True(TranscriptReader.TryRead(path, out var text, out _));
        Assert.Equal("派蒙", text);
        Assert.False(TranscriptReader.TryRead(temp.Combine("missing.lab"), out _, out var error));
        Assert.StartsWith("transcript: cannot read: ", error);
    }

    [SkippableFact]
    public void Utf16_without_a_bom_is_refused_for_its_nul_bytes()
    {
        Assert.Equal("transcript: contains NUL bytes (UTF-16 without a BOM?)", Fail(Encoding.Unicode.GetBytes("hello")));
        Assert.Equal("transcript: contains NUL bytes (UTF-16 without a BOM?)", Fail(Encoding.BigEndianUnicode.GetBytes("hello")));
        Assert.Equal("transcript: contains NUL bytes (UTF-16 without a BOM?)", Fail([0xEF, 0xBB, 0xBF, 0x61, 0x00, 0x62]));
    }

    [SkippableFact]
    public void A_file_over_the_size_limit_is_an_error_and_one_at_the_limit_is_read()
    {
        using var temp = new TempDir();
        var atLimit = temp.Combine("at.lab");
        File.WriteAllBytes(atLimit, Encoding.ASCII.GetBytes(new string('a', TranscriptReader.MaxBytes)));
        Assert.True(TranscriptReader.TryRead(atLimit, out var text, out var error), error);
        Assert.Equal(TranscriptReader.MaxBytes, text.Length);

        var over = temp.Combine("over.lab");
        using (var stream = File.Create(over))
            stream.SetLength(50L * 1024 * 1024); // 50 MB of NULs: refused by size before any is read
        Assert.False(TranscriptReader.TryRead(over, out text, out error));
        Assert.Null(text);
        Assert.Equal($"transcript: {50L * 1024 * 1024} bytes is more than the {TranscriptReader.MaxBytes}-byte limit", error);
    }
}
