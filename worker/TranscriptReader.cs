using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace SpeechPairs.Worker;

/// <summary>
/// Reads a <c>.lab</c> transcript: UTF-16 LE/BE or UTF-8 when a byte-order mark says so, else UTF-8, else GB18030
/// (older Chinese tooling); surrounding whitespace trimmed, inner newlines kept. Decoding is strict, so bytes that are
/// not valid in the chosen encoding are reported instead of silently becoming U+FFFD. Files over
/// <see cref="MaxBytes"/> and text with NUL characters are refused, so no such line reaches the output.
/// </summary>
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
                error = $"transcript: {length} bytes is more than the {MaxBytes}-byte limit";
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
            error = $"transcript: cannot read: {e.Message}";
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
            error = "transcript: contains NUL bytes (UTF-16 without a BOM?)";
            return false;
        }
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
