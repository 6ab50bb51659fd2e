using System.Buffers;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker.Shard;

/// <summary>Reads one line (without its newline) of a shard file; false when it is not a whole line of that file's kind.</summary>
/// <param name="tokens">The audio tokens the line holds (0 for lines without tokens).</param>
internal delegate bool ShardLineReader(ReadOnlySpan<byte> line, out string id, out long tokens);

/// <summary>The usable start of an existing JSONL(.gz) file.</summary>
/// <param name="GoodLength">Bytes up to the end of the last complete line (plain) or member (gzip); the rest is cut off.</param>
/// <param name="Ids">The <c>id</c> of every kept line, in file order.</param>
/// <param name="Tokens">Audio tokens (<c>&lt;audio_</c>) over the kept lines, so a resumed shard's totals need no second read.</param>
internal sealed record RecoveredLines(long GoodLength, IReadOnlyList<string> Ids, long Tokens);

/// <summary>
/// Reads back what an interrupted shard wrote. A line counts when it ends in a newline and its file's
/// <see cref="ShardLineReader"/> reads it whole (<see cref="PairLine"/>, <see cref="ErrorLine"/>, a cache entry); a gzip
/// member counts when it is whole (declared length present, deflate data intact, CRC-32 and length match) and holds only
/// such lines. The first thing that does not count ends the usable part: it and everything
/// after it were written by a process that was killed mid-write.
/// </summary>
internal static class JsonlRecovery
{
    public static RecoveredLines RecoverPlain(Stream stream, ShardLineReader readLine)
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

                if (!readLine(line, out var id, out var lineTokens))
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

    public static RecoveredLines RecoverGzip(Stream stream, ShardLineReader readLine)
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
            if (content is null || !TryReadLines(content, readLine, out var memberIds, out var memberTokens))
                break;
            ids.AddRange(memberIds);
            tokens += memberTokens;
            goodLength += member.Length;
        }

        return new RecoveredLines(goodLength, ids, tokens);
    }

    /// <summary>The ids of a member's content, which must be whole lines only.</summary>
    private static bool TryReadLines(ReadOnlySpan<byte> content, ShardLineReader readLine, out List<string> ids, out long tokens)
    {
        ids = [];
        tokens = 0;
        while (!content.IsEmpty)
        {
            var newline = content.IndexOf((byte)'\n');
            if (newline < 0 || !readLine(content[..newline], out var id, out var lineTokens))
                return false;
            ids.Add(id);
            tokens += lineTokens;
            content = content[(newline + 1)..];
        }

        return true;
    }

    /// <summary>A line of a shard's output file: a <see cref="PairRecord"/>, with its audio tokens.</summary>
    public static bool PairLine(ReadOnlySpan<byte> line, out string id, out long tokens)
    {
        var ok = PairRecord.TryRead(line, out var record, out _, out _);
        id = record?.Id ?? "";
        tokens = record is null ? 0 : record.Tokens.AsSpan().Count(TokenMerger.TokenPrefix);
        return ok;
    }

    /// <summary>A line of a shard's errors file: an <see cref="ErrorRecord"/>.</summary>
    public static bool ErrorLine(ReadOnlySpan<byte> line, out string id, out long tokens)
    {
        var ok = ErrorRecord.TryRead(line, out var record, out _, out _);
        id = record?.Id ?? "";
        tokens = 0;
        return ok;
    }
}
