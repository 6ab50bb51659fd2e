using System.Globalization;
using Microsoft.Data.Sqlite;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>What one merge did to the cache.</summary>
/// <param name="Added">New rows.</param>
/// <param name="AlreadyPresent">Entries the cache had already (another shard or an earlier run tokenized the same clip).</param>
/// <param name="Invalid">Lines that were not whole entries (a torn last line of a killed worker); skipped.</param>
public sealed record TokenCacheMergeResult(int Added, int AlreadyPresent, int Invalid);

/// <summary>
/// The token cache's only writer, run by the merge step: adds the shards' entries files in one transaction.
/// <para>
/// It never modifies the published file: it copies it beside itself, adds the entries, syncs the copy to disk and
/// renames it over the cache. Workers open the cache immutable (no locks, which NFS cannot be trusted with), so the
/// rename is what keeps them from ever reading a half-written page: an open reader keeps the old file, the next one
/// opens the new. Costs a copy of the cache per merge, which is small next to tokenizing.
/// </para>
/// <para>
/// Merges take turns through SQLite's own lock (<c>BEGIN IMMEDIATE</c> with a busy timeout) on a lock file beside the
/// cache, <c>CACHE.lock</c>, held from reading the cache to the rename, so a second merge copies the first one's
/// result instead of a rename silently dropping the first one's entries. Locking the cache file itself would not do:
/// the rename replaces that file, and a merge waiting on the old one would then hold a lock nobody else takes. Writing
/// in place under the cache's own lock would need every shard to take locks too (and WAL shared memory does not
/// work across NFS clients); this way only merges, rarely and briefly, depend on the filesystem's locking, and where
/// that is broken the worst case is again entries to tokenize once more, never a torn cache.
/// </para>
/// </summary>
public static class TokenCacheWriter
{
    /// <summary>How long a merge waits for another merge writing the same cache.</summary>
    internal static readonly TimeSpan LockWait = TimeSpan.FromMinutes(30);

    /// <summary>The lock file of the cache at <paramref name="cachePath"/>; nothing else is ever written to it.</summary>
    public static string LockPathFor(string cachePath) => cachePath + ".lock";

    /// <summary>
    /// Adds every entry in <paramref name="entryFiles"/> (missing files are skipped) to the cache at
    /// <paramref name="cachePath"/>, creating it if needed. A damaged cache of ours, or one of an older schema, is
    /// moved aside to <c>CACHE.damaged-yyyyMMddTHHmmssZ</c> (a <c>warning:</c> line on <paramref name="log"/>) and a new
    /// one started.
    /// </summary>
    /// <exception cref="TokenCacheFileException">The path holds something else, or a newer cache (<see cref="TokenCacheFile.Check"/>); it is left as it was.</exception>
    /// <exception cref="SqliteException">Another merge held the lock for longer than <see cref="LockWait"/>, or the new file could not be written.</exception>
    /// <exception cref="IOException">The new file could not be written.</exception>
    public static TokenCacheMergeResult AddEntries(string cachePath, IEnumerable<string> entryFiles, TextWriter log)
    {
        // First without the lock, so that nothing (not even the lock file) is created beside a foreign file.
        TokenCacheFile.Check(cachePath);
        var fullPath = Path.GetFullPath(cachePath);
        using var turn = MergeLock.Take(LockPathFor(fullPath), cachePath, log);
        var file = TokenCacheFile.Inspect(cachePath, verifyPages: true);
        if (file.IsRefused)
            throw TokenCacheFile.Refusal(file);
        if (file.Kind is TokenCacheFileKind.Damaged or TokenCacheFileKind.OlderSchema)
        {
            var aside = MoveAside(fullPath);
            var why = file.Kind == TokenCacheFileKind.Damaged
                ? $"is damaged ({file.Description})"
                : $"has {file.Description}, older than this worker's {TokenCacheSchema.Version}";
            log.WriteLine($"warning: TokenCache '{cachePath}' {why}; moved it aside to '{aside}'; starting a new cache");
        }

        var staging = fullPath + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.Delete(staging);
        try
        {
            if (file.Kind == TokenCacheFileKind.Current)
                File.Copy(fullPath, staging);
            var result = Insert(staging, entryFiles);
            using (var stream = new FileStream(staging, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                stream.Flush(flushToDisk: true);
            File.Move(staging, fullPath, overwrite: true);
            log.WriteLine($"token cache {cachePath}: {result.Added} entries added, {result.AlreadyPresent} already present" +
                          (result.Invalid > 0 ? $", {result.Invalid} invalid lines skipped" : ""));
            return result;
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private static TokenCacheMergeResult Insert(string path, IEnumerable<string> entryFiles)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;");
        using var transaction = connection.BeginTransaction();
        Execute(connection, TokenCacheSchema.Create);
        // Also stamps a cache written before the application id, which is how it is recognised from now on.
        Execute(connection, string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA application_id = {TokenCacheSchema.ApplicationId}; PRAGMA user_version = {TokenCacheSchema.Version};"));
        using (var meta = connection.CreateCommand())
        {
            meta.CommandText = "INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)";
            meta.Parameters.AddWithValue("$key", TokenCacheSchema.VersionKey);
            meta.Parameters.AddWithValue("$value", TokenCacheSchema.Version.ToString(CultureInfo.InvariantCulture));
            meta.ExecuteNonQuery();
        }

        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT OR IGNORE INTO tokens (audio, settings, vq02, vq06, tokens) VALUES ($audio, $settings, $vq02, $vq06, $tokens)";
        var audio = insert.Parameters.Add("$audio", SqliteType.Blob);
        var settings = insert.Parameters.Add("$settings", SqliteType.Blob);
        var vq02 = insert.Parameters.Add("$vq02", SqliteType.Blob);
        var vq06 = insert.Parameters.Add("$vq06", SqliteType.Blob);
        var tokens = insert.Parameters.Add("$tokens", SqliteType.Text);
        insert.Prepare();
        int added = 0, present = 0, invalid = 0;
        foreach (var file in entryFiles)
        {
            if (!File.Exists(file))
                continue;
            foreach (var line in File.ReadLines(file))
            {
                if (line.Length == 0)
                    continue;
                if (TokenCacheEntry.TryParse(line) is not { } entry)
                {
                    invalid++;
                    continue;
                }

                audio.Value = Convert.FromHexString(entry.AudioKey);
                settings.Value = Convert.FromHexString(entry.SettingsKey);
                vq02.Value = TokenCacheSchema.EncodeCodes(entry.Vq02);
                vq06.Value = TokenCacheSchema.EncodeCodes(entry.Vq06);
                tokens.Value = entry.Tokens;
                if (insert.ExecuteNonQuery() == 1)
                    added++;
                else
                    present++;
            }
        }

        transaction.Commit();
        return new TokenCacheMergeResult(added, present, invalid);
    }

    /// <summary>Renames the cache to <c>CACHE.damaged-yyyyMMddTHHmmssZ</c> (with a counter if that exists); returns the new path.</summary>
    private static string MoveAside(string fullPath)
    {
        var stamp = fullPath + ".damaged-" + DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        for (var n = 1; ; n++)
        {
            var aside = n == 1 ? stamp : stamp + "-" + n.ToString(CultureInfo.InvariantCulture);
            if (File.Exists(aside))
                continue;
            File.Move(fullPath, aside, overwrite: false);
            return aside;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>One merge's turn at the cache: an open <c>BEGIN IMMEDIATE</c> on the lock file, which stays empty.</summary>
    private sealed class MergeLock : IDisposable
    {
        private readonly SqliteConnection _connection;

        private MergeLock(SqliteConnection connection) => _connection = connection;

        public static MergeLock Take(string lockPath, string cachePath, TextWriter log)
        {
            var builder = new SqliteConnectionStringBuilder { DataSource = lockPath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
            var connection = new SqliteConnection(builder.ToString());
            try
            {
                connection.Open();
                // No journal: nothing is ever written, and a crashed merge then leaves no file but the empty lock.
                Execute(connection, "PRAGMA journal_mode = OFF");
                try
                {
                    Begin(connection, TimeSpan.FromSeconds(1));
                }
                catch (SqliteException e) when (e.SqliteErrorCode is 5 /* SQLITE_BUSY */)
                {
                    log.WriteLine($"token cache {cachePath}: another merge is writing it; waiting up to {LockWait.TotalMinutes:0} minutes");
                    Begin(connection, LockWait);
                }

                return new MergeLock(connection);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        /// <summary>Closing the connection ends the transaction and releases the lock.</summary>
        public void Dispose() => _connection.Dispose();

        private static void Begin(SqliteConnection connection, TimeSpan wait)
        {
            using var command = connection.CreateCommand();
            // Microsoft.Data.Sqlite retries a busy statement until the command timeout; busy_timeout makes SQLite wait too.
            command.CommandTimeout = (int)Math.Ceiling(wait.TotalSeconds);
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)wait.TotalMilliseconds}; BEGIN IMMEDIATE;");
            command.ExecuteNonQuery();
        }
    }
}
