using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SpeechPairs.Worker;

/// <summary>
/// Reads a <c>.lab</c> transcript: UTF-16 LE/BE or UTF-8 when a byte-order mark says so, else UTF-8, else GB18030
/// (older Chinese tooling); surrounding whitespace trimmed, inner newlines kept. Decoding is strict, so bytes that are
/// not valid in the chosen encoding are reported instead of silently becoming U+FFFD.
/// </summary>
public static class TranscriptReader
{
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
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = null;
            error = $"transcript: cannot read: {e.Message}";
            return false;
        }

        return TryDecode(bytes, out text, out error);
    }

    /// <summary>Decodes transcript bytes; false with the reason when they are not text in a supported encoding, or empty.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? text, [NotNullWhen(false)] out string? error)
    {
        var (decoded, encodingName) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => (Decode(StrictUtf8, bytes[3..]), "UTF-8 (with BOM)"),
            [0xFF, 0xFE, ..] => (Decode(StrictUtf16Le, bytes[2..]), "UTF-16 LE (with BOM)"),
            [0xFE, 0xFF, ..] => (Decode(StrictUtf16Be, bytes[2..]), "UTF-16 BE (with BOM)"),
            _ => (Decode(StrictUtf8, bytes) ?? Decode(StrictGb18030, bytes), "UTF-8 or GB18030"),
        };
        text = decoded?.Trim();
        error = null;
        if (text is { Length: > 0 })
            return true;
        error = decoded is null ? $"transcript: not valid {encodingName}" : "transcript: empty";
        text = null;
        return false;
    }

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
