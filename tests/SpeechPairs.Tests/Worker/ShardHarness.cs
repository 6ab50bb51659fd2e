using SpeechPairs.Contract;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Tests.Worker;

/// <summary>Runs <see cref="ShardRunner"/> with the test doubles.</summary>
internal static class ShardHarness
{
    public static ShardJob Job(
        string extractDir,
        string output,
        ShardSelection? shard = null,
        bool resume = false,
        bool useDoneMarker = true,
        double batchSeconds = 3,
        double? maxDuration = null,
        bool excludePlaceholder = false) =>
        new(extractDir, new ShardFiles(output), shard ?? new ShardSelection(0, 1), resume, useDoneMarker, excludePlaceholder,
            maxDuration, batchSeconds, TimeSpan.FromMinutes(10));

    public static Run Execute(ShardJob job, FakeClipTokenizer? tokenizer = null, TestWavReader? reader = null, TokenCacheOptions? tokenCache = null)
    {
        tokenizer ??= new FakeClipTokenizer();
        reader ??= new TestWavReader();
        var log = new StringWriter();
        var loads = 0;
        var runner = new ShardRunner(job, reader, () =>
        {
            loads++;
            return tokenizer;
        }, log, tokenCache: tokenCache);
        var result = runner.Run();
        return new Run(result, log.ToString(), tokenizer, reader, loads, runner.Tokenized, runner.Reused);
    }

    internal sealed record Run(ShardResult Result, string Log, FakeClipTokenizer Tokenizer, TestWavReader Reader, int TokenizerLoads, int Tokenized, int Reused);
}
