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
/// opens the new. Two merges at once do not corrupt it either; the later rename wins and the other's entries are
/// simply tokenized again next time. Costs a copy of the cache per merge, which is small next to tokenizing.
/// </para>
/// </summary>
public static class TokenCacheWriter
{
    /// <summary>
    /// Adds every entry in <paramref name="entryFiles"/> (missing files are skipped) to the cache at
    /// <paramref name="cachePath"/>, creating it if needed. A cache that is unreadable or of another schema version is
    /// replaced by a new one (said on <paramref name="log"/>). Throws only when the new file cannot be written.
    /// </summary>
    public static TokenCacheMergeResult AddEntries(string cachePath, IEnumerable<string> entryFiles, TextWriter log)
    {
        var fullPath = Path.GetFullPath(cachePath);
        var staging = fullPath + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.Delete(staging);
        try
        {
            if (IsCurrentCache(fullPath, log))
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

    /// <summary>Whether the file is a cache of this schema version worth keeping; says why not when it exists but is not.</summary>
    private static bool IsCurrentCache(string path, TextWriter log)
    {
        if (!File.Exists(path))
            return false;
        using (var reader = TokenCacheReader.TryOpen(path, new string('0', 64), out var problem))
        {
            if (reader is not null)
                return true;
            log.WriteLine($"{problem}; replacing it with a new cache");
        }

        return false;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
