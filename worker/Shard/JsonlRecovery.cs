using System.Buffers;
using System.Text.Json;

namespace SpeechPairs.Worker.Shard;

/// <summary>The usable start of an existing JSONL(.gz) file.</summary>
/// <param name="GoodLength">Bytes up to the end of the last complete line (plain) or member (gzip); the rest is cut off.</param>
/// <param name="Ids">The <c>id</c> of every kept line, in file order.</param>
/// <param name="Tokens">Audio tokens (<c>&lt;audio_</c>) over the kept lines, so a resumed shard's totals need no second read.</param>
internal sealed record RecoveredLines(long GoodLength, IReadOnlyList<string> Ids, long Tokens);

/// <summary>
/// Reads back what an interrupted shard wrote. A line counts when it ends in a newline and is a JSON object with a
/// string <c>id</c>; a gzip member counts when it is whole (declared length present, deflate data intact, CRC-32 and
/// length match) and holds only such lines. The first thing that does not count ends the usable part: it and everything
/// after it were written by a process that was killed mid-write.
/// </summary>
internal static class JsonlRecovery
{
    public static RecoveredLines RecoverPlain(Stream stream)
    {
        var ids = new List<string>();
        long tokens = 0;
        var buffer = new byte[1 << 16];
        var partialLine = new ArrayBufferWriter<byte>();
        long goodLength = 0, chunkStart = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var chunk = buffer.AsSpan(0, read);
            var consumed = 0;
            int newline;
            while ((newline = chunk[consumed..].IndexOf((byte)'\n')) >= 0)
            {
                ReadOnlySpan<byte> line = chunk.Slice(consumed, newline);
                if (partialLine.WrittenCount > 0)
                {
                    partialLine.Write(line);
                    line = partialLine.WrittenSpan;
                }

                if (!TryReadLine(line, out var id, out var lineTokens))
                    return new RecoveredLines(goodLength, ids, tokens);
                ids.Add(id);
                tokens += lineTokens;
                partialLine.Clear();
                consumed += newline + 1;
                goodLength = chunkStart + consumed;
            }

            partialLine.Write(chunk[consumed..]);
            chunkStart += read;
        }

        return new RecoveredLines(goodLength, ids, tokens);
    }

    public static RecoveredLines RecoverGzip(Stream stream)
    {
        var ids = new List<string>();
        long goodLength = 0, tokens = 0;
        var length = stream.Length;
        var header = new byte[GzipMember.HeaderLength];
        stream.Position = 0;
        while (length - goodLength >= GzipMember.HeaderLength)
        {
            stream.ReadExactly(header);
            var memberLength = GzipMember.ReadDeclaredLength(header);
            if (memberLength is null || memberLength > length - goodLength)
                break;

            var member = new byte[memberLength.Value];
            header.CopyTo(member, 0);
            stream.ReadExactly(member, GzipMember.HeaderLength, member.Length - GzipMember.HeaderLength);
            var content = GzipMember.TryDecode(member);
            if (content is null || !TryReadLines(content, out var memberIds, out var memberTokens))
                break;
            ids.AddRange(memberIds);
            tokens += memberTokens;
            goodLength += member.Length;
        }

        return new RecoveredLines(goodLength, ids, tokens);
    }

    /// <summary>The ids of a member's content, which must be whole lines only.</summary>
    private static bool TryReadLines(ReadOnlySpan<byte> content, out List<string> ids, out long tokens)
    {
        ids = [];
        tokens = 0;
        while (!content.IsEmpty)
        {
            var newline = content.IndexOf((byte)'\n');
            if (newline < 0 || !TryReadLine(content[..newline], out var id, out var lineTokens))
                return false;
            ids.Add(id);
            tokens += lineTokens;
            content = content[(newline + 1)..];
        }

        return true;
    }

    /// <summary>The <c>id</c> of one line (without its newline) that is a complete JSON object.</summary>
    internal static bool TryReadId(ReadOnlySpan<byte> line, out string id) => TryReadLine(line, out id, out _);

    /// <summary>
    /// The <c>id</c> of one line (without its newline) that is a complete JSON object, and the audio tokens in its
    /// <c>tokens</c> string (0 for an errors-file line).
    /// </summary>
    internal static bool TryReadLine(ReadOnlySpan<byte> line, out string id, out long tokens)
    {
        id = "";
        tokens = 0;
        string? found = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        return false;
                    found = reader.GetString();
                }
                else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("tokens"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                        return false;
                    tokens = reader.ValueSpan.Count("<audio_"u8); // token strings hold no escapes
                }
                else if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    // Anything after the object (a second value, garbage) makes the next Read throw.
                    if (reader.Read() || found is null)
                        return false;
                    id = found;
                    return true;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
