using System.Buffers.Binary;
using System.IO.Compression;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// One self-sized gzip member (RFC 1952). The header carries an extra field <c>SP</c> with the member's total length,
/// like BGZF's <c>BC</c>, so a resumed shard can walk the members of its output one by one and cut it after the last
/// complete one. Any gzip reader (<c>gzip -dc</c>, Python's <c>gzip.open</c>) skips the extra field and reads the
/// concatenated members as one stream.
/// </summary>
internal static class GzipMember
{
    /// <summary>Header (10 fixed bytes, XLEN, one 8-byte subfield) before the deflate data.</summary>
    public const int HeaderLength = 20;

    /// <summary>CRC-32 and ISIZE after the deflate data.</summary>
    public const int TrailerLength = 8;

    private const byte FlagExtra = 0x04;
    private const byte OsUnknown = 255;

    /// <summary>Compresses <paramref name="content"/> into one complete member.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> content)
    {
        using var compressed = new MemoryStream(content.Length / 3 + 64);
        compressed.Write(new byte[HeaderLength]);
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            deflate.Write(content);

        Span<byte> trailer = stackalloc byte[TrailerLength];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, System.IO.Hashing.Crc32.HashToUInt32(content));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], unchecked((uint)content.Length));
        compressed.Write(trailer);

        var member = compressed.ToArray();
        if (member.LongLength > uint.MaxValue)
            throw new InvalidOperationException("a gzip member must stay below 4 GiB");
        WriteHeader(member, (uint)member.Length);
        return member;
    }

    /// <summary>The total length a member header declares, or null when these bytes do not start one of our members.</summary>
    public static long? ReadDeclaredLength(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderLength || header[0] != 0x1F || header[1] != 0x8B || header[2] != 8 || header[3] != FlagExtra)
            return null;
        if (BinaryPrimitives.ReadUInt16LittleEndian(header[10..]) != 8 || header[12] != (byte)'S' || header[13] != (byte)'P' ||
            BinaryPrimitives.ReadUInt16LittleEndian(header[14..]) != 4)
            return null;
        long length = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        return length >= HeaderLength + TrailerLength ? length : null;
    }

    /// <summary>Decompresses one whole member and checks its CRC-32 and length; null when it is damaged.</summary>
    public static byte[]? TryDecode(byte[] member)
    {
        if (ReadDeclaredLength(member) != member.Length)
            return null;
        byte[] content;
        try
        {
            using var deflated = new MemoryStream(member, HeaderLength, member.Length - HeaderLength - TrailerLength, writable: false);
            using var inflate = new DeflateStream(deflated, CompressionMode.Decompress);
            using var output = new MemoryStream();
            inflate.CopyTo(output);
            content = output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }

        var trailer = member.AsSpan(member.Length - TrailerLength);
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer) == System.IO.Hashing.Crc32.HashToUInt32(content) &&
               BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == unchecked((uint)content.Length)
            ? content
            : null;
    }

    private static void WriteHeader(Span<byte> member, uint totalLength)
    {
        member[0] = 0x1F;
        member[1] = 0x8B;
        member[2] = 8; // deflate
        member[3] = FlagExtra;
        member[4..8].Clear(); // no modification time: the same lines give the same bytes
        member[8] = 0;
        member[9] = OsUnknown;
        BinaryPrimitives.WriteUInt16LittleEndian(member[10..], 8);
        member[12] = (byte)'S';
        member[13] = (byte)'P';
        BinaryPrimitives.WriteUInt16LittleEndian(member[14..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(member[16..], totalLength);
    }
}
