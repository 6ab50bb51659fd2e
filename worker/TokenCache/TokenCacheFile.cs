using System.Buffers.Binary;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>What a token-cache path holds, as <see cref="TokenCacheFile.Inspect"/> finds it.</summary>
public enum TokenCacheFileKind
{
    /// <summary>No file, or an empty one (nothing to lose): a new cache is started there.</summary>
    Absent,

    /// <summary>A SpeechPairs token cache of the schema this worker reads and writes.</summary>
    Current,

    /// <summary>A SpeechPairs token cache written by a newer SpeechPairs: refused, never replaced.</summary>
    NewerSchema,

    /// <summary>A SpeechPairs token cache of an older schema: not read; the merge moves it aside and starts a new one.</summary>
    OlderSchema,

    /// <summary>A SpeechPairs token cache that SQLite cannot read whole: not read; the merge moves it aside and starts a new one.</summary>
    Damaged,

    /// <summary>Not an SQLite file at all (a gzip file, a directory, ...): refused, never touched.</summary>
    ForeignFile,

    /// <summary>An SQLite file that is not a SpeechPairs token cache: refused, never touched.</summary>
    ForeignDatabase,
}

/// <summary>A token-cache path and what it holds.</summary>
/// <param name="Path">The path as given.</param>
/// <param name="Description">What the file is, for messages: "a gzip file", "an SQLite database with tables a, b",
/// "database disk image is malformed", "schema version 2".</param>
public sealed record TokenCacheFileInfo(string Path, TokenCacheFileKind Kind, string Description)
{
    /// <summary>Whether a worker must refuse the path (<see cref="TokenCacheFile.Check"/> throws for it).</summary>
    public bool IsRefused => Kind is TokenCacheFileKind.ForeignFile or TokenCacheFileKind.ForeignDatabase or TokenCacheFileKind.NewerSchema;
}

/// <summary>The token-cache path holds something the worker must not use or replace; the message says what and where.</summary>
public sealed class TokenCacheFileException(TokenCacheFileInfo file, string message) : Exception(message)
{
    public TokenCacheFileInfo File { get; } = file;
}

/// <summary>
/// Tells a SpeechPairs token cache from everything else before anything reads or writes it, so that a mistyped path
/// (the merged <c>.jsonl.gz</c>, another program's database) is refused instead of replaced.
/// </summary>
/// <remarks>
/// The rule, in order:
/// <list type="number">
/// <item>No file, or 0 bytes: absent. There is nothing to lose, and SQLite itself calls an empty file an empty database.</item>
/// <item>Not beginning with SQLite's 16-byte magic: foreign, whatever else it is. A cache of ours whose first bytes
/// were overwritten cannot be told from somebody's file, and refusing it costs only a clear message.</item>
/// <item>SQLite, with our application id (header bytes 68-71): ours. If SQLite cannot read its schema, or
/// <c>quick_check</c> fails when asked for, it is damaged. The id sits in the first page, which survives a truncated
/// file and most torn writes.</item>
/// <item>SQLite with application id 0 whose schema is exactly our tables with a schema version row: ours, written
/// before caches carried the id (the next merge stamps it). If its schema cannot be read, there is no evidence it is
/// ours, so it is foreign and left alone.</item>
/// <item>Any other SQLite file: foreign.</item>
/// </list>
/// Only our own damaged or older caches are ever moved (aside, never deleted), and only by the merge.
/// </remarks>
public static class TokenCacheFile
{
    private static readonly byte[] SqliteMagic = "SQLite format 3\0"u8.ToArray();

    /// <summary>Classifies <paramref name="path"/> from its header and schema; reads no table rows. Never writes.</summary>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists but cannot be read.</exception>
    public static TokenCacheFileInfo Inspect(string path) => Inspect(path, verifyPages: false);

    /// <summary>
    /// Throws <see cref="TokenCacheFileException"/> when a worker must not use <paramref name="path"/> as its token
    /// cache: a file that is not a SpeechPairs token cache, or a cache of a newer schema. An absent, current, older
    /// or damaged cache passes (shards skip a cache they cannot read; the merge moves a damaged one aside).
    /// </summary>
    /// <returns>What the path holds.</returns>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file exists but cannot be read.</exception>
    public static TokenCacheFileInfo Check(string path)
    {
        var file = Inspect(path);
        return file.IsRefused ? throw Refusal(file) : file;
    }

    internal static TokenCacheFileException Refusal(TokenCacheFileInfo file) =>
        new(file, file.Kind == TokenCacheFileKind.NewerSchema
            ? $"TokenCache '{file.Path}' was written by a newer SpeechPairs ({file.Description}; this one reads version {TokenCacheSchema.Version}); " +
              "use that version or choose another path"
            : $"TokenCache '{file.Path}' is not a SpeechPairs token cache (it is {file.Description}); choose another path");

    /// <param name="verifyPages">Also run <c>PRAGMA quick_check</c>, which reads the whole file: the merge does,
    /// shards do not (a damaged cache only costs them hits).</param>
    internal static TokenCacheFileInfo Inspect(string path, bool verifyPages)
    {
        if (Directory.Exists(path))
            return new(path, TokenCacheFileKind.ForeignFile, "a directory");
        if (!System.IO.File.Exists(path))
            return new(path, TokenCacheFileKind.Absent, "no file");
        var (header, length) = ReadHeader(path);
        if (length == 0)
            return new(path, TokenCacheFileKind.Absent, "an empty file");
        if (!header.AsSpan().StartsWith(SqliteMagic))
            return new(path, TokenCacheFileKind.ForeignFile, DescribeForeign(header, length));

        var marked = header.Length >= 72 && BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(68)) == TokenCacheSchema.ApplicationId;
        Schema schema;
        try
        {
            schema = ReadSchema(path, verifyPages);
        }
        catch (SqliteException e)
        {
            var problem = SqliteProblem(e);
            return marked
                ? new(path, TokenCacheFileKind.Damaged, problem)
                : new(path, TokenCacheFileKind.ForeignDatabase, $"an SQLite file that cannot be read ({problem}) and carries no SpeechPairs token-cache mark");
        }

        int version;
        if (marked)
        {
            version = schema.UserVersion;
        }
        else if (schema.ApplicationId == 0 && schema.Tables.SetEquals(TokenCacheSchema.Tables) && schema.MetaVersion is not null)
        {
            if (!int.TryParse(schema.MetaVersion, NumberStyles.None, CultureInfo.InvariantCulture, out version))
                return new(path, TokenCacheFileKind.Damaged, $"schema version '{schema.MetaVersion}' is not a number");
        }
        else
        {
            return new(path, TokenCacheFileKind.ForeignDatabase, DescribeDatabase(schema));
        }

        if (version > TokenCacheSchema.Version)
            return new(path, TokenCacheFileKind.NewerSchema, $"schema version {version}");
        if (version < TokenCacheSchema.Version)
            return new(path, TokenCacheFileKind.OlderSchema, $"schema version {version}");
        if (!TokenCacheSchema.Tables.IsSubsetOf(schema.Tables))
            return new(path, TokenCacheFileKind.Damaged, "its tables are missing");
        if (schema.QuickCheck is { } check && check != "ok")
            return new(path, TokenCacheFileKind.Damaged, $"quick_check: {Messages.FirstLine(check)}");
        return new(path, TokenCacheFileKind.Current, $"schema version {version}");
    }

    private sealed record Schema(int ApplicationId, int UserVersion, HashSet<string> Tables, string? MetaVersion, string? QuickCheck);

    private static (byte[] Header, long Length) ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var header = new byte[Math.Min(100, stream.Length)];
        stream.ReadExactly(header);
        return (header, stream.Length);
    }

    /// <summary>Opened immutable like a shard's reader: no locks, no journal, nothing written.</summary>
    private static Schema ReadSchema(string path, bool verifyPages)
    {
        using var connection = new SqliteConnection(TokenCacheReader.ReadOnlyConnectionString(path));
        connection.Open();
        var applicationId = Convert.ToInt32(Scalar(connection, "PRAGMA application_id"), CultureInfo.InvariantCulture);
        var userVersion = Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
            using var rows = query.ExecuteReader();
            while (rows.Read())
                tables.Add(rows.GetString(0));
        }

        string? metaVersion = null;
        if (tables.Contains("meta"))
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT value FROM meta WHERE key = $key";
            query.Parameters.AddWithValue("$key", TokenCacheSchema.VersionKey);
            metaVersion = query.ExecuteScalar() as string;
        }

        var quickCheck = verifyPages ? Scalar(connection, "PRAGMA quick_check(1)") as string : null;
        return new Schema(applicationId, userVersion, tables, metaVersion, quickCheck);
    }

    /// <summary>SQLite's own words ("database disk image is malformed") without Microsoft.Data.Sqlite's "SQLite Error 11: '...'." wrapping.</summary>
    internal static string SqliteProblem(SqliteException e)
    {
        var message = Messages.FirstLine(e.Message);
        var match = System.Text.RegularExpressions.Regex.Match(message, @"^SQLite Error \d+: '(.*)'\.?$");
        return match.Success ? match.Groups[1].Value : message;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static string DescribeDatabase(Schema schema)
    {
        var tables = schema.Tables.Order(StringComparer.Ordinal).ToList();
        var what = tables.Count == 0 ? "an SQLite database with no tables" : $"an SQLite database with tables {string.Join(", ", tables)}";
        return schema.ApplicationId == 0 ? what : what + $" and application id 0x{schema.ApplicationId:x8}";
    }

    private static string DescribeForeign(byte[] header, long length)
    {
        var bytes = header.AsSpan();
        if (bytes.StartsWith(stackalloc byte[] { 0x1f, 0x8b }))
            return "a gzip file";
        if (bytes.StartsWith(stackalloc byte[] { 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c }))
            return "a 7z archive";
        if (bytes.StartsWith(stackalloc byte[] { 0x50, 0x4b, 0x03, 0x04 }))
            return "a zip archive";
        if (bytes.StartsWith("PAR1"u8))
            return "a Parquet file";
        if (bytes.StartsWith("RIFF"u8) && bytes.Length >= 12 && bytes[8..12].SequenceEqual("WAVE"u8))
            return "a WAV file";
        if (bytes.StartsWith(SqliteMagic.AsSpan(0, Math.Min(bytes.Length, SqliteMagic.Length))))
            return $"an SQLite file cut short at {length} bytes";
        if (!bytes.ContainsAnyExcept((byte)0))
            return length <= bytes.Length ? $"a file of {length} zero bytes" : $"a file of {length} bytes starting with zeros";
        if (IsText(bytes))
            return $"a text file of {length} bytes";
        return $"a file of {length} bytes that is not an SQLite database";
    }

    private static bool IsText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Contains((byte)0))
            return false;
        // The 100-byte header may end inside a multi-byte character.
        for (var cut = 0; cut < 4 && cut < bytes.Length; cut++)
        {
            if (System.Text.Unicode.Utf8.IsValid(bytes[..^cut]))
                return true;
        }

        return false;
    }
}
