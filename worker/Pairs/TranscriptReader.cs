using System.Diagnostics.CodeAnalysis;
using System.Text;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Pairs;

/// <summary>
/// Reads a <c>.lab</c> transcript as the Python reference does: UTF-8, else GB18030 (older Chinese tooling), read in
/// text mode (<c>\r\n</c> and a lone <c>\r</c> become <c>\n</c>), then <c>str.strip()</c> (Python's whitespace set,
/// not .NET's). Departures, all deliberate: a UTF-8 BOM is dropped and UTF-16 LE/BE is read when a BOM says so
/// (Python would keep U+FEFF, and could not read UTF-16), and empty text, text with NUL characters and files over
/// <see cref="MaxBytes"/> are refused, so no such line reaches the output. Decoding is strict, so bytes that are not
/// valid in the chosen encoding are reported instead of silently becoming U+FFFD.
/// </summary>
/// <remarks>tests/fixtures/transcripts/make_cases.py states the rule in Python and made the expected texts.</remarks>
public static class TranscriptReader
{
    /// <summary>
    /// The largest transcript accepted, in bytes. A spoken line is at most a few KiB; anything bigger is a
    /// mislabelled file, and it is refused from its length alone, before it is read.
    /// </summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictUtf16Le = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictUtf16Be = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictGb18030 = CreateStrictGb18030();

    /// <summary>Reads and decodes a transcript file; false with the reason when it cannot be used.</summary>
    public static bool TryRead(string path, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? error)
    {
        byte[] bytes;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            if (length > MaxBytes)
            {
                text = null;
                error = ErrorKinds.Error(ErrorKinds.Transcript, $"{length} bytes is more than the {MaxBytes}-byte limit");
                return false;
            }
            bytes = new byte[length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0) break; // the file shrank since its length was taken
                read += n;
            }
            bytes = bytes[..read];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = null;
            error = ErrorKinds.Error(ErrorKinds.Transcript, $"cannot read: {e.Message}");
            return false;
        }

        return TryDecode(bytes, out text, out error);
    }

    /// <summary>Decodes transcript bytes; false with the reason when they are not text in a supported encoding, hold NUL, or are empty.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? error)
    {
        var (decoded, encodingName) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => (Decode(StrictUtf8, bytes[3..]), "UTF-8 (with BOM)"),
            [0xFF, 0xFE, ..] => (Decode(StrictUtf16Le, bytes[2..]), "UTF-16 LE (with BOM)"),
            [0xFE, 0xFF, ..] => (Decode(StrictUtf16Be, bytes[2..]), "UTF-16 BE (with BOM)"),
            _ => (Decode(StrictUtf8, bytes) ?? Decode(StrictGb18030, bytes), "UTF-8 or GB18030"),
        };
        // A strict decoder accepts U+0000, but no transcript holds it: it is UTF-16 read as UTF-8 (h\0e\0...).
        if (decoded is not null && decoded.Contains('\0'))
        {
            text = null;
            error = ErrorKinds.Error(ErrorKinds.Transcript, "contains NUL bytes (UTF-16 without a BOM?)");
            return false;
        }
        text = decoded is null ? null : StripLikePython(TranslateNewlines(decoded));
        error = null;
        if (text is { Length: > 0 })
            return true;
        error = ErrorKinds.Error(ErrorKinds.Transcript, decoded is null ? $"not valid {encodingName}" : "empty");
        text = null;
        return false;
    }

    // Python's text mode (universal newlines): "\r\n" and a lone "\r" become "\n"; U+0085, U+2028 etc. stay.
    private static string TranslateNewlines(string text) =>
        text.Contains('\r') ? text.Replace("\r\n", "\n").Replace('\r', '\n') : text;

    // Python's str.strip(): removes str.isspace characters, which are .NET's char.IsWhiteSpace set plus
    // U+001C-U+001F (the separators that Unicode gives bidirectional class B or S).
    private static string StripLikePython(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsPythonSpace(text[start])) start++;
        while (end > start && IsPythonSpace(text[end - 1])) end--;
        return text[start..end];
    }

    // Python's str.isspace set, as Python 3.11 (Unicode 14) lists it; none lies outside the BMP.
    private static bool IsPythonSpace(char c) => c switch
    {
        >= '\u0009' and <= '\u000D' => true,
        >= '\u001C' and <= '\u0020' => true,
        '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    private static string? Decode(Encoding encoding, ReadOnlySpan<byte> bytes)
    {
        try
        {
            return encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static Encoding CreateStrictGb18030()
    {
        // .NET ships GB18030 in the code-pages provider, which must be registered once per process.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding("GB18030", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    }
}
