using System.IO.Compression;

namespace SpeechPairs.Tasks;

/// <summary>
/// What a JSON-lines file holds: lines, audio tokens (occurrences of "&lt;audio_", also JSON-escaped
/// as "\u003Caudio_"), and whether it ends with a newline.
/// </summary>
internal readonly record struct JsonlStats(long Lines, long Tokens, bool EndsWithNewline)
{
    // "audio_" preceded by '<' or by the escape "\u003C"/"\u003c" (System.Text.Json's default encoder writes the latter).
    private static readonly byte[] TokenMarker = "audio_"u8.ToArray();
    private const int LongestPrefix = 6; // "\u003C"

    /// <summary>Reads a .jsonl file, or a .jsonl.gz file of one or more gzip members.</summary>
    public static JsonlStats Read(string path, bool gzip, CancellationToken cancellation)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using Stream content = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;

        long lines = 0, tokens = 0;
        byte last = (byte)'\n';
        bool any = false;
        var buffer = new byte[1 << 20];
        int carried = 0; // the tail of the previous block, so a marker split across blocks still counts
        int read;
        while ((read = content.Read(buffer, carried, buffer.Length - carried)) > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            any = true;
            Span<byte> fresh = buffer.AsSpan(carried, read);
            lines += fresh.Count((byte)'\n');
            last = fresh[^1];

            Span<byte> block = buffer.AsSpan(0, carried + read);
            int start = 0, found;
            while ((found = block[start..].IndexOf(TokenMarker)) >= 0)
            {
                int at = start + found;
                if (IsTokenStart(block[..at]))
                    tokens++;
                start = at + TokenMarker.Length;
            }
            // Keep enough of the tail for a marker (and its prefix) split across two blocks.
            carried = Math.Min(LongestPrefix + TokenMarker.Length - 1, block.Length - start);
            block[^carried..].CopyTo(buffer);
        }
        bool endsWithNewline = !any || last == (byte)'\n';
        return new JsonlStats(lines + (endsWithNewline ? 0 : 1), tokens, endsWithNewline);
    }

    private static bool IsTokenStart(ReadOnlySpan<byte> before) =>
        before.EndsWith("<"u8) || before.EndsWith("\\u003C"u8) || before.EndsWith("\\u003c"u8);
}
