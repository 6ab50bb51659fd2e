using Microsoft.Data.Sqlite;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Tests.TokenCache;

/// <summary>The token cache in shard runs with the counting fake tokenizer: what is reused, what is tokenized, same bytes.</summary>
public sealed class TokenCacheShardTests
{
    private const string Settings = "1111111111111111111111111111111111111111111111111111111111111111";

    [SkippableFact]
    public void The_same_tree_twice_tokenizes_nothing_the_second_time_and_writes_the_same_bytes()
    {
        using var temp = new TempDir();
        var root = temp.Combine("v1");
        var ids = TestArchive.WriteGoodClips(root, 12);
        var cache = temp.Combine("tokens.sqlite");
        var plain = ShardHarness.Execute(ShardHarness.Job(root, temp.Combine("plain", "out.jsonl.gz")));

        var first = RunCached(root, temp.Combine("first", "out.jsonl.gz"), cache);
        Assert.Equal(ids.Count, first.Tokenized);
        Assert.Equal(0, first.Reused);
        AddToCache(cache, temp.Combine("first", "out.jsonl.gz"));

        var second = RunCached(root, temp.Combine("second", "out.jsonl.gz"), cache);
        Assert.Equal(0, second.Tokenized);
        Assert.Equal(ids.Count, second.Reused);
        Assert.Equal(0, second.TokenizerLoads); // all hits: the models are not even loaded
        Assert.Contains($"tokenized 0, reused {ids.Count}", second.Log);
        Assert.Empty(File.ReadAllLines(ShardTokenCache.EntriesPath(temp.Combine("second", "out.jsonl.gz"))));
        Assert.Equal(0, plain.Reused);
        AssertSameOutput(temp.Combine("plain", "out.jsonl.gz"), temp.Combine("first", "out.jsonl.gz"));
        AssertSameOutput(temp.Combine("plain", "out.jsonl.gz"), temp.Combine("second", "out.jsonl.gz"));
    }

    [SkippableFact]
    public void A_second_version_tokenizes_exactly_its_changed_and_new_clips_and_equals_a_cacheless_run()
    {
        using var temp = new TempDir();
        var v1 = temp.Combine("v1");
        var ids = TestArchive.WriteGoodClips(v1, 10);
        var cache = temp.Combine("tokens.sqlite");
        RunCached(v1, temp.Combine("v1out", "out.jsonl"), cache);
        AddToCache(cache, temp.Combine("v1out", "out.jsonl"));

        var v2 = temp.Combine("v2");
        CopyTree(v1, v2);
        var changed = ids[2];
        TestArchive.WritePair(v2, changed, 0.8, "re-recorded", seed: 777); // new samples, new text
        File.Delete(TestArchive.PathOf(v2, ids[5] + ".wav"));
        File.Delete(TestArchive.PathOf(v2, ids[5] + ".lab"));
        File.WriteAllText(TestArchive.PathOf(v2, ids[7] + ".lab"), "a corrected transcript \"quoted\"");
        const string added = "中文 - Chinese/新角色/vo_new";
        Directory.CreateDirectory(Path.GetDirectoryName(TestArchive.PathOf(v2, added))!);
        TestArchive.WritePair(v2, added, 1.1, "a new line", seed: 888);

        var cached = RunCached(v2, temp.Combine("v2cached", "out.jsonl"), cache);
        ShardHarness.Execute(ShardHarness.Job(v2, temp.Combine("v2plain", "out.jsonl")));

        var tokenizedWavs = cached.Tokenizer.Batches.SelectMany(b => b).Select(a => a.Source).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { TestArchive.PathOf(v2, changed + ".wav"), TestArchive.PathOf(v2, added + ".wav") }.Order(StringComparer.Ordinal), tokenizedWavs);
        Assert.Equal(2, cached.Tokenized);
        Assert.Equal(ids.Count - 2, cached.Reused); // 10 - removed - changed
        AssertSameOutput(temp.Combine("v2plain", "out.jsonl"), temp.Combine("v2cached", "out.jsonl"));
        Assert.Contains("a corrected transcript", File.ReadAllText(temp.Combine("v2cached", "out.jsonl")));
    }

    [SkippableFact]
    public void Another_settings_key_misses()
    {
        using var temp = new TempDir();
        var root = temp.Combine("v1");
        var ids = TestArchive.WriteGoodClips(root, 4);
        var cache = temp.Combine("tokens.sqlite");
        RunCached(root, temp.Combine("a", "out.jsonl"), cache);
        AddToCache(cache, temp.Combine("a", "out.jsonl"));

        var other = ShardHarness.Execute(ShardHarness.Job(root, temp.Combine("b", "out.jsonl")),
            tokenCache: new TokenCacheOptions(cache, () => new string('2', 64)));
        Assert.Equal(ids.Count, other.Tokenized);
        Assert.Equal(0, other.Reused);
    }

    [SkippableFact]
    public void A_resumed_shard_keeps_the_entries_of_the_clips_written_before()
    {
        using var temp = new TempDir();
        var root = temp.Combine("v1");
        var ids = TestArchive.WriteGoodClips(root, 12);
        var cache = temp.Combine("tokens.sqlite");
        var output = temp.Combine("a", "out.jsonl");
        RunCached(root, output, cache, batchSeconds: 2);
        var lines = File.ReadAllLines(output);
        File.WriteAllLines(output, lines[..(lines.Length / 2)]); // as if killed half way
        File.Delete(output + ".done");
        var resumed = ShardHarness.Execute(ShardHarness.Job(root, output, resume: true, batchSeconds: 2),
            tokenCache: new TokenCacheOptions(cache, () => Settings));
        Assert.Equal(lines.Length - lines.Length / 2, resumed.Tokenized);

        AddToCache(cache, output);
        var again = RunCached(root, temp.Combine("b", "out.jsonl"), cache);
        Assert.Equal(0, again.Tokenized);
        Assert.Equal(ids.Count, again.Reused);
    }

    public enum BadCache
    {
        Missing,
        Garbage,
        OtherSchemaVersion,
        NoMetaTable,
    }

    [SkippableTheory]
    [InlineData(BadCache.Missing, "does not exist")]
    [InlineData(BadCache.Garbage, "cannot be read")]
    [InlineData(BadCache.OtherSchemaVersion, "schema version 99")]
    [InlineData(BadCache.NoMetaTable, "schema version none")]
    public void An_unusable_cache_is_reported_once_and_the_run_tokenizes_without_it(BadCache kind, string reported)
    {
        using var temp = new TempDir();
        var root = temp.Combine("v1");
        var ids = TestArchive.WriteGoodClips(root, 6);
        var cache = temp.Combine("tokens.sqlite");
        switch (kind)
        {
            case BadCache.Garbage:
                File.WriteAllBytes(cache, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7919 % 251)).ToArray());
                break;
            case BadCache.OtherSchemaVersion:
                Sql(cache, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '99');");
                break;
            case BadCache.NoMetaTable:
                Sql(cache, "CREATE TABLE something (x);");
                break;
        }

        var run = RunCached(root, temp.Combine("a", "out.jsonl"), cache, batchSeconds: 1);
        ShardHarness.Execute(ShardHarness.Job(root, temp.Combine("plain", "out.jsonl"), batchSeconds: 1));

        Assert.Equal(ids.Count, run.Tokenized);
        Assert.Single(run.Log.Split('\n'), l => l.Contains(reported, StringComparison.Ordinal));
        AssertSameOutput(temp.Combine("plain", "out.jsonl"), temp.Combine("a", "out.jsonl"));
        if (kind == BadCache.Missing)
        {
            // Its entries are still recorded, so the merge can start the cache.
            Assert.Equal(ids.Count, AddToCache(cache, temp.Combine("a", "out.jsonl")).Added);
            Assert.Equal(ids.Count, RunCached(root, temp.Combine("b", "out.jsonl"), cache).Reused);
        }
        else
        {
            // None of the others is a cache of ours, so the merge refuses it rather than put a cache in its place.
            var before = File.ReadAllBytes(cache);
            Assert.Throws<TokenCacheFileException>(() => AddToCache(cache, temp.Combine("a", "out.jsonl")));
            Assert.Equal(before, File.ReadAllBytes(cache));
        }
    }

    [SkippableFact]
    public void A_cache_locked_by_an_open_write_transaction_does_not_stop_or_change_a_run()
    {
        using var temp = new TempDir();
        var root = temp.Combine("v1");
        var ids = TestArchive.WriteGoodClips(root, 6);
        var cache = temp.Combine("tokens.sqlite");
        RunCached(root, temp.Combine("a", "out.jsonl"), cache);
        AddToCache(cache, temp.Combine("a", "out.jsonl"));

        using var writer = new SqliteConnection($"Data Source={cache};Pooling=False;Default Timeout=1");
        writer.Open();
        using var transaction = writer.BeginTransaction();
        using (var command = writer.CreateCommand())
        {
            command.CommandText = "PRAGMA locking_mode = EXCLUSIVE; DELETE FROM tokens; INSERT INTO meta VALUES ('junk', 'x');";
            command.ExecuteNonQuery();
        }

        var run = RunCached(root, temp.Combine("b", "out.jsonl"), cache);
        Assert.Equal(ids.Count, run.Tokenized + run.Reused);
        AssertSameOutput(temp.Combine("a", "out.jsonl"), temp.Combine("b", "out.jsonl"));
        transaction.Rollback();
    }

    private static ShardHarness.Run RunCached(string root, string output, string cache, double batchSeconds = 3) =>
        ShardHarness.Execute(ShardHarness.Job(root, output, batchSeconds: batchSeconds), tokenCache: new TokenCacheOptions(cache, () => Settings));

    private static TokenCacheMergeResult AddToCache(string cache, string output) =>
        TokenCacheWriter.AddEntries(cache, [ShardTokenCache.EntriesPath(output)], new StringWriter());

    internal static void AssertSameOutput(string expected, string actual)
    {
        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(actual));
        Assert.Equal(File.ReadAllBytes(expected + ".errors.jsonl"), File.ReadAllBytes(actual + ".errors.jsonl"));
    }

    private static void Sql(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
