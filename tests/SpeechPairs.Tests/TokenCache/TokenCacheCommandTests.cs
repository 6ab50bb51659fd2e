using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Tests.TokenCache;

/// <summary><c>worker shard --token-cache</c>: the option reaches the runner with the real settings key (fake tokenizer).</summary>
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

    private static (int ExitCode, string Stderr) Shard(TempDir temp, string output, string cache)
    {
        var stderr = new StringWriter();
        var context = new WorkerContext
        {
            Services = () => new WorkerServices(new TestWavReader(), _ => new FakeClipTokenizer()),
            Environment = _ => null,
            Output = new StringWriter(),
            Error = stderr,
            ExitProcess = code => throw new InvalidOperationException($"the test tried to exit the process with {code}"),
        };
        var code = WorkerCommandLine.Run(
            ["shard", "--extract-dir", temp.Combine("extract"), "--out", temp.Combine("out", output), "--tokenizer-dir", Bundle(),
             "--device", "cpu", "--token-cache", cache], context);
        return (code, stderr.ToString());
    }

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
