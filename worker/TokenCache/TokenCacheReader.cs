using System.Globalization;
using Microsoft.Data.Sqlite;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// A worker's read-only view of the token cache. The file is opened <c>immutable</c>: SQLite takes no locks and
/// writes nothing (no journal, no shm), which is what makes many readers on NFS or Lustre safe. That is sound because
/// the one writer, <see cref="TokenCacheWriter"/>, never changes a published file: it builds a new one and renames it
/// into place, so an open reader keeps reading the complete old file.
/// </summary>
public sealed class TokenCacheReader : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _find;
    private readonly SqliteParameter _audio;

    private TokenCacheReader(SqliteConnection connection, byte[] settingsKey)
    {
        _connection = connection;
        _find = connection.CreateCommand();
        _find.CommandText = "SELECT vq02, vq06, tokens FROM tokens WHERE audio = $audio AND settings = $settings";
        _audio = _find.Parameters.Add("$audio", SqliteType.Blob);
        _find.Parameters.AddWithValue("$settings", settingsKey);
        _find.Prepare();
    }

    /// <summary>
    /// Opens the cache for lookups under <paramref name="settingsKey"/>, or explains in <paramref name="problem"/> why
    /// not (missing, not a database, another schema version, unreadable). Never throws for a bad cache.
    /// </summary>
    public static TokenCacheReader? TryOpen(string cachePath, string settingsKey, out string? problem)
    {
        if (!File.Exists(cachePath))
        {
            problem = $"token cache {cachePath} does not exist yet";
            return null;
        }

        SqliteConnection? connection = null;
        try
        {
            connection = new SqliteConnection(ReadOnlyConnectionString(cachePath));
            connection.Open();
            var version = SchemaVersion(connection);
            if (version != TokenCacheSchema.Version.ToString(CultureInfo.InvariantCulture))
            {
                connection.Dispose();
                problem = $"token cache {cachePath} has schema version {version ?? "none"}, this worker reads {TokenCacheSchema.Version}";
                return null;
            }

            problem = null;
            return new TokenCacheReader(connection, Convert.FromHexString(settingsKey));
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            problem = $"token cache {cachePath} cannot be read ({Messages.FirstLine(e.Message)})";
            return null;
        }
    }

    /// <summary>The cached tokens of the clip whose <see cref="ClipAudioKey"/> is <paramref name="audioKey"/>, or null.</summary>
    /// <exception cref="SqliteException">The file went bad under us; the caller stops using the cache.</exception>
    public ClipTokens? Find(byte[] audioKey)
    {
        _audio.Value = audioKey;
        using var row = _find.ExecuteReader();
        if (!row.Read())
            return null;
        return new ClipTokens(
            TokenCacheSchema.DecodeCodes((byte[])row.GetValue(0)),
            TokenCacheSchema.DecodeCodes((byte[])row.GetValue(1)),
            row.GetString(2));
    }

    public void Dispose()
    {
        _find.Dispose();
        _connection.Dispose();
    }

    internal static string ReadOnlyConnectionString(string path) =>
        new SqliteConnectionStringBuilder
        {
            // A URI so that immutable=1 can be passed; Uri escapes spaces, '#' and '?' in the path.
            DataSource = new Uri(Path.GetFullPath(path)).AbsoluteUri + "?immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();

    private static string? SchemaVersion(SqliteConnection connection)
    {
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT value FROM meta WHERE key = $key";
        query.Parameters.AddWithValue("$key", TokenCacheSchema.VersionKey);
        try
        {
            return query.ExecuteScalar() as string;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1 /* SQLITE_ERROR: no such table */)
        {
            return null;
        }
    }
}
