using System.Buffers.Binary;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// The token cache's SQLite layout. One row per (audio key, settings key); codes are little-endian uint16 blobs
/// (vq02 &lt; 1024, vq06 &lt; 4096) because they are most of a row and a JSON list would triple it.
/// </summary>
internal static class TokenCacheSchema
{
    /// <summary>
    /// Bump whenever a table or an encoding changes: readers of another version ignore the cache, the merge refuses a
    /// newer one and moves an older one aside. Kept both as <c>PRAGMA user_version</c> and as the meta row (which is
    /// what caches written before the application id, and workers of that time, read).
    /// </summary>
    public const int Version = 1;

    public const string VersionKey = "schema_version";

    /// <summary>
    /// <c>PRAGMA application_id</c> of every cache the merge writes ("SPtc"), in header bytes 68-71: how a cache of
    /// ours is recognised even when the rest of the file is damaged (see <see cref="TokenCacheFile"/>).
    /// </summary>
    public const int ApplicationId = 0x53507463;

    /// <summary>The tables <see cref="Create"/> makes, which identify caches written before the application id.</summary>
    public static readonly IReadOnlySet<string> Tables = new HashSet<string>(StringComparer.Ordinal) { "meta", "tokens" };

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS tokens (
            audio BLOB NOT NULL,
            settings BLOB NOT NULL,
            vq02 BLOB NOT NULL,
            vq06 BLOB NOT NULL,
            tokens TEXT NOT NULL,
            PRIMARY KEY (audio, settings)
        ) WITHOUT ROWID;
        """;

    public static byte[] EncodeCodes(IReadOnlyList<int> codes)
    {
        var bytes = new byte[codes.Count * 2];
        for (var i = 0; i < codes.Count; i++)
        {
            if ((uint)codes[i] > ushort.MaxValue)
                throw new ArgumentOutOfRangeException(nameof(codes), codes[i], "a token code does not fit the cache's uint16 encoding");
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)codes[i]);
        }

        return bytes;
    }

    public static int[] DecodeCodes(byte[] bytes)
    {
        if (bytes.Length % 2 != 0)
            throw new InvalidDataException("a code blob of odd length");
        var codes = new int[bytes.Length / 2];
        for (var i = 0; i < codes.Length; i++)
            codes[i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2 * i));
        return codes;
    }
}
