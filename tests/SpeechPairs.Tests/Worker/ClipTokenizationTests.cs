using System.Text.Json;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

/// <summary>How a shard gets its tokens; the token cache's side is in TokenCache/.</summary>
public sealed class ClipTokenizationTests
{
    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement;

    [SkippableFact]
    public void A_tokenizer_that_throws_fails_the_shard_and_is_not_retried_clip_by_clip()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 3);
        TestArchive.WritePair(root, "bad/model_throws", 0.5, "异常", seed: 6, firstSample: FakeClipTokenizer.ThrowMarker);
        var output = temp.Combine("out.jsonl");
        var tokenizer = new FakeClipTokenizer();

        var failure = Assert.Throws<WorkerFailureException>(() => ShardHarness.Execute(ShardHarness.Job(root, output, batchSeconds: 100), tokenizer));

        Assert.Equal("the tokenizer failed on a batch of 4 clips: the model blew up", failure.Message);
        Assert.Equal(4, Assert.Single(tokenizer.Batches).Count); // the tokenizer isolates failing clips itself
        Assert.Equal("failed", Parse(File.ReadAllText(output + ".progress.json")).GetProperty("state").GetString());
        Assert.False(File.Exists(output + ".done"));
    }

    [SkippableFact]
    public void A_tokenizer_that_cannot_load_fails_the_shard_with_its_reason()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 1);
        var output = temp.Combine("out.jsonl");
        var services = new WorkerServices(new TestWavReader(), _ => throw new InvalidDataException("speech_tokenizer_v1.onnx: not an ONNX model\nmore"));
        var setup = new TokenizerSetup("bundle", new ModelOptions(), new TokenizeOptions(), _ => { });
        var runner = new ShardRunner(ShardHarness.Job(root, output), services.WavReader, () => services.CreateTokenizer(setup), new StringWriter());
        var failure = Assert.Throws<WorkerFailureException>(runner.Run);
        Assert.Equal("cannot load the tokenizer from bundle: speech_tokenizer_v1.onnx: not an ONNX model", failure.Message);
        Assert.Equal("failed", Parse(File.ReadAllText(output + ".progress.json")).GetProperty("state").GetString());
        Assert.False(File.Exists(output + ".done"));
    }

    [SkippableFact]
    public void A_tokenizer_that_throws_on_a_long_clip_fails_the_shard()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 1);
        TestArchive.WritePair(root, "bad/long", Vq0206Tokenizer.LongClipSeconds + 1, "长", seed: 7, firstSample: FakeClipTokenizer.ThrowMarker);
        var output = temp.Combine("out.jsonl");

        var failure = Assert.Throws<WorkerFailureException>(() => ShardHarness.Execute(ShardHarness.Job(root, output, batchSeconds: 1000)));

        Assert.Equal("the tokenizer failed on the long clip bad/long.wav: the model blew up", failure.Message);
        Assert.False(File.Exists(output + ".done"));
    }

    [SkippableFact]
    public void A_tokenizer_that_miscounts_its_outcomes_fails_the_shard()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 3);
        var output = temp.Combine("out.jsonl");
        var runner = new ShardRunner(ShardHarness.Job(root, output, batchSeconds: 100), new TestWavReader(), () => new MiscountingTokenizer(), new StringWriter());

        var failure = Assert.Throws<WorkerFailureException>(runner.Run);

        Assert.Equal("the tokenizer returned 2 outcomes for 3 clips", failure.Message);
        Assert.Empty(File.ReadAllBytes(output)); // no line can be matched to its clip
    }

    /// <summary>Drops the first clip's outcome.</summary>
    private sealed class MiscountingTokenizer : TestTokenizer
    {
        public override IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips) =>
            clips.Skip(1).Select(FakeClipTokenizer.Tokenize).ToList();
    }
}
