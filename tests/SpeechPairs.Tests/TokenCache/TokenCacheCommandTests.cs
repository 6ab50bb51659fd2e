using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Contract;

namespace SpeechPairs.Tests.TokenCache;

/// <summary><c>worker shard/merge --token-cache</c>: the option reaches the runner with the real settings key (fake tokenizer); a foreign file fails the command up front.</summary>
public sealed class TokenCacheCommandTests
{
    [SkippableFact]
    public void A_second_shard_command_with_the_merged_cache_reuses_every_clip()
    {
        using var temp = new TempDir();
        var ids = TestArchive.WriteGoodClips(temp.Combine("extract"), 5);
        var cache = temp.Combine("cache", "tokens.sqlite");
        Directory.CreateDirectory(temp.Combine("cache"));

        var (firstCode, firstLog) = Shard(temp, "a.jsonl", cache);
        Assert.True(firstCode == ExitCodes.Success, firstLog);
        Assert.Contains($"tokenized {ids.Count}, reused 0", firstLog);
        Assert.Single(firstLog.Split('\n'), l => l.Contains("does not exist yet", StringComparison.Ordinal));
        TokenCacheWriter.AddEntries(cache, [ShardTokenCache.EntriesPath(temp.Combine("out", "a.jsonl"))], new StringWriter());

        var (secondCode, secondLog) = Shard(temp, "b.jsonl", cache);
        Assert.True(secondCode == ExitCodes.Success, secondLog);
        Assert.Contains($"tokenized 0, reused {ids.Count}", secondLog);
        Assert.True(File.Exists(TokenizerSettingsKey.MemoPathFor(cache)));
        Assert.Equal(File.ReadAllBytes(temp.Combine("out", "a.jsonl")), File.ReadAllBytes(temp.Combine("out", "b.jsonl")));
    }

    [SkippableFact]
    public void A_shard_given_a_gzip_file_as_its_cache_fails_before_any_work_and_leaves_the_file_alone()
    {
        using var temp = new TempDir();
        TestArchive.WriteGoodClips(temp.Combine("extract"), 2);
        var cache = temp.Write("pairs.jsonl.gz", [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0xff, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var before = TokenCacheTestFiles.Hash(cache);

        var (code, log) = Shard(temp, "a.jsonl", cache);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal($"worker shard: TokenCache '{cache}' is not a SpeechPairs token cache (it is a gzip file); choose another path",
                     log.TrimEnd());
        Assert.False(Directory.Exists(temp.Combine("out")));
        Assert.False(File.Exists(TokenizerSettingsKey.MemoPathFor(cache)));
        Assert.Equal(before, TokenCacheTestFiles.Hash(cache));
    }

    [SkippableFact]
    public void A_merge_given_another_database_as_its_cache_fails_before_merging_and_leaves_the_file_alone()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("app.db");
        using (var connection = TokenCacheTestFiles.Open(cache))
            TokenCacheTestFiles.Execute(connection, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');");
        var before = TokenCacheTestFiles.Hash(cache);
        var merged = temp.Combine("merged.jsonl");
        var stderr = new StringWriter();

        // No shards at all: only the cache check can fail first with this message.
        var code = WorkerCommandLine.Run(
            ["merge", "--work-dir", temp.Combine("work"), "--shard-count", "1", "--out", merged, "--token-cache", cache],
            Context(stderr));

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal($"worker merge: TokenCache '{cache}' is not a SpeechPairs token cache (it is an SQLite database with tables notes); " +
                     "choose another path", stderr.ToString().TrimEnd());
        Assert.False(File.Exists(merged));
        Assert.Equal(before, TokenCacheTestFiles.Hash(cache));
    }

    private static (int ExitCode, string Stderr) Shard(TempDir temp, string output, string cache)
    {
        var stderr = new StringWriter();
        var code = WorkerCommandLine.Run(
            ["shard", "--extract-dir", temp.Combine("extract"), "--out", temp.Combine("out", output), "--tokenizer-dir", Bundle(),
             "--device", "cpu", "--token-cache", cache], Context(stderr));
        return (code, stderr.ToString());
    }

    private static WorkerContext Context(StringWriter stderr) => new()
    {
        Services = () => new WorkerServices(new TestWavReader(), _ => new FakeClipTokenizer()),
        Environment = _ => null,
        Output = new StringWriter(),
        Error = stderr,
        ExitProcess = code => throw new InvalidOperationException($"the test tried to exit the process with {code}"),
    };

    private static string Bundle()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "fixtures", "vq0206", "Step-Audio-Tokenizer");
            if (Directory.Exists(candidate))
                return candidate;
        }

        throw new DirectoryNotFoundException("tests/fixtures/vq0206 not found above " + AppContext.BaseDirectory);
    }
}
