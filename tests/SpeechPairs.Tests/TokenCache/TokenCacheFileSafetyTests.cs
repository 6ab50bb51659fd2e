using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.TokenCache;
using static SpeechPairs.Tests.TokenCache.TokenCacheTestFiles;

namespace SpeechPairs.Tests.TokenCache;

/// <summary>
/// The merge's writer never replaces what is not a cache of ours, moves a damaged cache of ours aside, and loses no
/// entries when two merges write one cache at once. Real SQLite files throughout.
/// </summary>
public sealed class TokenCacheFileSafetyTests
{
    [SkippableFact]
    public void A_gzip_file_named_as_the_cache_is_refused_and_left_as_it_was()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("pairs.jsonl.gz");
        using (var gzip = new GZipStream(File.Create(cache), CompressionLevel.Optimal))
            gzip.Write("{\"id\":\"clips/1\",\"text\":\"hello\"}\n"u8);
        var before = Hash(cache);
        var entries = EntriesFile(temp, "a.cache.jsonl", 1, 2);

        var error = Assert.ThrowsAny<Exception>(() => TokenCacheWriter.AddEntries(cache, [entries], new StringWriter()));

        Assert.Equal($"TokenCache '{cache}' is not a SpeechPairs token cache (it is a gzip file); choose another path", error.Message);
        Assert.Equal(before, Hash(cache));
        // Nothing beside it either: no lock file, no staging copy.
        Assert.Equal(["a.cache.jsonl", "pairs.jsonl.gz"], Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order());
    }

    [SkippableFact]
    public void Another_programs_sqlite_database_is_refused_and_left_as_it_was()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("app.db");
        using (var connection = Open(cache))
            Execute(connection, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE orders (id INTEGER PRIMARY KEY);" +
                                "INSERT INTO users (name) VALUES ('ada'), ('bob');");
        var before = Hash(cache);

        var error = Assert.ThrowsAny<Exception>(() => TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1)], new StringWriter()));

        Assert.Contains($"TokenCache '{cache}' is not a SpeechPairs token cache (it is an SQLite database with tables orders, users)", error.Message);
        Assert.Equal(before, Hash(cache));
    }

    [SkippableFact]
    public void A_file_of_zeros_is_refused_and_left_as_it_was()
    {
        using var temp = new TempDir();
        var cache = temp.Write("tokens.sqlite", new byte[4096]);

        var error = Assert.ThrowsAny<Exception>(() => TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1)], new StringWriter()));

        Assert.Contains("is not a SpeechPairs token cache (it is a file of 4096 bytes starting with zeros)", error.Message);
        Assert.Equal(new byte[4096], File.ReadAllBytes(cache));
    }

    [SkippableFact]
    public void A_cache_of_a_newer_schema_is_refused_and_left_as_it_was()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1, 2)], new StringWriter());
        // What a later SpeechPairs with schema version 2 would have written.
        using (var connection = Open(cache))
            Execute(connection, "PRAGMA user_version = 2; UPDATE meta SET value = '2' WHERE key = 'schema_version';");
        var before = Hash(cache);

        var error = Assert.ThrowsAny<Exception>(() => TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "b.jsonl", 3)], new StringWriter()));

        Assert.Contains($"TokenCache '{cache}' was written by a newer SpeechPairs (schema version 2", error.Message);
        Assert.Equal(before, Hash(cache));
    }

    [SkippableFact]
    public void A_truncated_cache_of_ours_is_moved_aside_with_a_warning_and_a_new_one_works()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", Enumerable.Range(1, 300).ToArray())], new StringWriter());
        var bytes = File.ReadAllBytes(cache);
        Assert.True(bytes.Length > 8 * 4096, "the cache should span several pages");
        File.WriteAllBytes(cache, bytes[..(bytes.Length / 2)]);

        AssertMovedAsideAndRestarted(temp, cache, File.ReadAllBytes(cache));
    }

    [SkippableFact]
    public void A_garbled_cache_of_ours_is_moved_aside_with_a_warning_and_a_new_one_works()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", Enumerable.Range(1, 300).ToArray())], new StringWriter());
        var bytes = File.ReadAllBytes(cache);
        // Keep page 1 (header and schema); scribble over every later page.
        new Random(7).NextBytes(bytes.AsSpan(4096));
        File.WriteAllBytes(cache, bytes);

        AssertMovedAsideAndRestarted(temp, cache, bytes);
    }

    [SkippableFact]
    public void A_cache_whose_header_fields_are_garbled_but_keeps_our_mark_is_moved_aside()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1, 2)], new StringWriter());
        var bytes = File.ReadAllBytes(cache);
        bytes.AsSpan(16, 8).Fill(0xff); // page size and format bytes: SQLite says "file is not a database"
        File.WriteAllBytes(cache, bytes);

        AssertMovedAsideAndRestarted(temp, cache, bytes);
    }

    [SkippableFact]
    public async Task Concurrent_merges_into_one_cache_lose_no_entries()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "seed.jsonl", 1)], new StringWriter());
        const int merges = 4, perMerge = 150;
        var files = Enumerable.Range(0, merges)
            .Select(m => EntriesFile(temp, $"m{m}.jsonl", Enumerable.Range(1000 + m * perMerge, perMerge).ToArray()))
            .ToArray();
        using var start = new Barrier(merges);

        // A thread each (not pool threads, which the barrier would starve), all released together.
        var results = await Task.WhenAll(Enumerable.Range(0, merges).Select(m => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return TokenCacheWriter.AddEntries(cache, [files[m]], new StringWriter());
        }, TaskCreationOptions.LongRunning)));

        Assert.All(results, r => Assert.Equal(perMerge, r.Added));
        using var connection = Open(cache);
        Assert.Equal(1L + merges * perMerge, Scalar(connection, "SELECT count(*) FROM tokens"));
    }

    [SkippableFact]
    public void A_cache_written_before_the_application_id_keeps_its_entries_and_gets_the_id()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        var old = Entry(1);
        using (var connection = Open(cache))
        {
            // The layout of the first release: the two tables and the version row, no application id or user_version.
            Execute(connection, TokenCacheSchema.Create + "INSERT INTO meta VALUES ('schema_version', '1');");
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO tokens VALUES ($a, $s, $v2, $v6, $t)";
            insert.Parameters.AddWithValue("$a", Convert.FromHexString(old.AudioKey));
            insert.Parameters.AddWithValue("$s", Convert.FromHexString(old.SettingsKey));
            insert.Parameters.AddWithValue("$v2", TokenCacheSchema.EncodeCodes(old.Vq02));
            insert.Parameters.AddWithValue("$v6", TokenCacheSchema.EncodeCodes(old.Vq06));
            insert.Parameters.AddWithValue("$t", old.Tokens);
            insert.ExecuteNonQuery();
        }

        var log = new StringWriter();
        var result = TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "b.jsonl", 2)], log);

        Assert.Equal(1, result.Added);
        Assert.DoesNotContain("warning", log.ToString());
        using var reader = TokenCacheReader.TryOpen(cache, Settings, out var problem);
        Assert.Null(problem);
        Assert.NotNull(reader!.Find(Convert.FromHexString(old.AudioKey)));
        Assert.NotNull(reader.Find(Convert.FromHexString(Entry(2).AudioKey)));
        using var connection2 = Open(cache);
        Assert.Equal(0x53507463L, Scalar(connection2, "PRAGMA application_id"));
    }

    [SkippableFact]
    public void An_empty_file_becomes_a_new_cache()
    {
        using var temp = new TempDir();
        var cache = temp.Write("tokens.sqlite", []);

        var log = new StringWriter();
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1)], log);

        Assert.DoesNotContain("warning", log.ToString());
        using var reader = TokenCacheReader.TryOpen(cache, Settings, out var problem);
        Assert.Null(problem);
        Assert.NotNull(reader!.Find(Convert.FromHexString(Entry(1).AudioKey)));
    }

    [SkippableFact]
    public void An_older_cache_of_ours_passes_the_check_and_the_merge_moves_it_aside()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1)], new StringWriter());
        using (var connection = Open(cache))
            Execute(connection, "PRAGMA user_version = 0;");
        var before = Hash(cache);
        Assert.Equal(TokenCacheFileKind.OlderSchema, TokenCacheFile.Check(cache).Kind);

        var log = new StringWriter();
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "b.jsonl", 2)], log);

        var aside = Assert.Single(Directory.GetFiles(temp.Path, "tokens.sqlite.damaged-*"));
        Assert.Equal(before, Hash(aside));
        Assert.StartsWith($"warning: TokenCache '{cache}' has schema version 0, older than this worker's 1; moved it aside", log.ToString());
        Assert.Equal(TokenCacheFileKind.Current, TokenCacheFile.Check(cache).Kind);
    }

    /// <summary>One more merge: the damaged file is kept, byte for byte, beside the cache, and the new cache is whole.</summary>
    private static void AssertMovedAsideAndRestarted(TempDir temp, string cache, byte[] damaged)
    {
        var log = new StringWriter();
        var result = TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "new.jsonl", 9001)], log);

        var aside = Assert.Single(Directory.GetFiles(temp.Path, "tokens.sqlite.damaged-*"));
        Assert.Matches(new Regex(@"tokens\.sqlite\.damaged-\d{8}T\d{6}Z$"), aside);
        Assert.Equal(SHA256.HashData(damaged), Hash(aside));
        var warning = Assert.Single(log.ToString().Split('\n'), l => l.StartsWith("warning:", StringComparison.Ordinal));
        Assert.Contains($"TokenCache '{cache}' is damaged", warning);
        Assert.Contains($"moved it aside to '{aside}'", warning);
        Assert.Equal(1, result.Added);
        using var reader = TokenCacheReader.TryOpen(cache, Settings, out var problem);
        Assert.Null(problem);
        Assert.NotNull(reader!.Find(Convert.FromHexString(Entry(9001).AudioKey)));
        using var connection = Open(cache);
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
    }
}
