using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Tests.Worker;

public sealed class ShardRunnerTests
{
    private static string[] ReadLines(string path)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal))
            return File.ReadAllLines(path, Encoding.UTF8);
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement;

    [SkippableFact]
    public void Every_kind_of_clip_error_lands_in_the_errors_file_and_the_shard_carries_on()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        var good = TestArchive.WriteGoodClips(root, 5);
        TestArchive.WriteFile(root, "bad/unreadable.wav", Encoding.ASCII.GetBytes("this is not a wav file at all, not even close......"));
        TestArchive.WriteFile(root, "bad/unreadable.lab", Encoding.UTF8.GetBytes("文本"));
        TestArchive.WritePair(root, "bad/invalid_lab", 0.5, [0x41, 0xFF, 0xFF], seed: 1);
        TestArchive.WritePair(root, "bad/empty_lab", 0.5, " \n\t", seed: 2);
        TestArchive.WritePair(root, "bad/too_long", 2.5, "长", seed: 3);
        TestArchive.WritePair(root, "bad/too_short", 0.05, "短", seed: 4);
        TestArchive.WritePair(root, "bad/model_fails", 0.5, "失败", seed: 5, firstSample: FakeClipTokenizer.FailMarker);
        var output = temp.Combine("out", "shard-0.jsonl.gz");

        var run = ShardHarness.Execute(ShardHarness.Job(root, output, maxDuration: 2.0, batchSeconds: 100));

        var errors = ReadLines(output + ".errors.jsonl").Select(Parse).ToList();
        Assert.Equal(
            [
                ("bad/empty_lab", "transcript: empty"),
                ("bad/invalid_lab", "transcript: not valid UTF-8 or GB18030"),
                ("bad/model_fails", "tokenizer: model failure on this clip"),
                ("bad/too_long", "too long: 2.50 s > --max-duration 2 s"),
                ("bad/too_short", "no tokens: clip too short (0.050 s)"),
                ("bad/unreadable", "wav: not a WAV file: no RIFF header (starts with 'this')"),
            ],
            errors.Select(e => (e.GetProperty("id").GetString(), e.GetProperty("error").GetString())));
        Assert.All(errors, e => Assert.Equal(e.GetProperty("id").GetString() + ".wav", e.GetProperty("rel_wav").GetString()));
        Assert.Equal(good.Order(StringComparer.Ordinal), ReadLines(output).Select(l => Parse(l).GetProperty("id").GetString()));

        Assert.False(run.Reader.Decodes.ContainsKey(TestArchive.PathOf(root, "bad/too_long.wav"))); // refused from the header
        Assert.Equal(11, run.Result.Progress!.Done);
        Assert.Equal(6, run.Result.Progress.Errors);
        var done = DoneRecord.TryRead(output + ".done")!;
        Assert.Equal((5L, 5L, 1L), (done.Records, done.Errors, done.Excluded)); // the too-long clip is excluded, not an error
        Assert.Equal(ReadLines(output).Sum(l => (long)l.Split("<audio_").Length - 1), done.Tokens);
        var stages = done.Stages!;   // where this run's time went: the foreground stages fit in its wall time
        double foreground = stages.ModelLoad + stages.DecodeWait + stages.Preprocess + stages.Vq02FrontEnd + stages.Vq02Encoder + stages.Vq06 + stages.Write;
        Assert.True(stages.Total > 0 && stages.Decode >= 0 && stages.Write >= 0, $"{stages}");
        Assert.InRange(foreground, 0, stages.Total + 0.002);
        Assert.Contains("skipped bad/unreadable.wav (wav: not a WAV file: no RIFF header (starts with 'this'))", run.Log);
        Assert.Matches(@"\] tokenizer loaded in \d+\.\d s", run.Log); // the first seconds, before any progress line
    }

    [SkippableFact]
    public void Output_lines_carry_trimmed_text_tokens_and_the_original_rate()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WritePair(root, "中文/派蒙 1", 0.5, "\uFEFF ignored?", seed: 1);
        File.WriteAllBytes(TestArchive.PathOf(root, "中文/派蒙 1.lab"), [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("  你好，\"旅行者\"\n再见 \n")]);
        TestWav.Write(TestArchive.PathOf(root, "中文/派蒙 2.wav"), 0.4, seed: 2, sampleRate: 48000, channels: 2);
        File.WriteAllBytes(TestArchive.PathOf(root, "中文/派蒙 2.lab"), Encoding.UTF8.GetBytes("立体声"));
        var output = temp.Combine("out.jsonl");

        var run = ShardHarness.Execute(ShardHarness.Job(root, output));

        var lines = File.ReadAllLines(output, Encoding.UTF8);
        Assert.Equal(2, lines.Length);
        var first = Parse(lines[0]);
        Assert.Equal("你好，\"旅行者\"\n再见", first.GetProperty("text").GetString());
        Assert.Equal(16000, first.GetProperty("sr").GetInt32());
        var expectedTokens = FakeClipTokenizer.Tokenize(run.Reader.Read(TestArchive.PathOf(root, "中文/派蒙 1.wav"))).Tokens!.Tokens;
        Assert.Equal(expectedTokens, first.GetProperty("tokens").GetString());
        Assert.Equal(48000, Parse(lines[1]).GetProperty("sr").GetInt32());
        Assert.Contains("你好", File.ReadAllText(output, Encoding.UTF8)); // raw UTF-8, not \u escapes
        Assert.Empty(File.ReadAllBytes(output + ".errors.jsonl"));
    }

    [SkippableFact]
    public void Batches_stay_within_the_audio_budget_and_a_longer_clip_goes_alone()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        var ids = TestArchive.WriteGoodClips(root, 12);
        TestArchive.WritePair(root, "long/clip", 3.5, "长句", seed: 9);
        var run = ShardHarness.Execute(ShardHarness.Job(root, temp.Combine("out.jsonl.gz"), batchSeconds: 2));

        Assert.All(run.Tokenizer.Batches, batch =>
            Assert.True(batch.Count == 1 || batch.Sum(c => c.DurationSeconds) <= 2.0 + 1e-9, $"{batch.Count} clips, {batch.Sum(c => c.DurationSeconds)} s"));
        Assert.Contains(run.Tokenizer.Batches, b => b.Count == 1 && b[0].DurationSeconds > 3);
        Assert.Contains(run.Tokenizer.Batches, b => b.Count > 1);
        Assert.Equal(ids.Count + 1, run.Tokenizer.Batches.Sum(b => b.Count));
        Assert.All(run.Reader.Decodes.Values, count => Assert.Equal(1, count)); // each WAV decoded once
        Assert.All(run.Reader.HeaderReads.Values, count => Assert.Equal(1, count)); // and its header read once, for planning
        Assert.True(run.Tokenizer.Disposed);
    }

    [SkippableFact]
    public void A_batch_holds_at_most_a_thousand_clips()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        for (var i = 0; i < BatchLoader.MaxClipsPerBatch + 1; i++)
            TestArchive.WritePair(root, $"tiny/{i:0000}", 0.001, "字", seed: i);
        var output = temp.Combine("out.jsonl.gz");
        var run = ShardHarness.Execute(ShardHarness.Job(root, output, batchSeconds: 120));
        Assert.Equal([BatchLoader.MaxClipsPerBatch, 1], run.Tokenizer.Batches.Select(b => b.Count));
        Assert.Equal(BatchLoader.MaxClipsPerBatch + 1, File.ReadAllLines(output + ".errors.jsonl").Length); // all too short for tokens
    }

    [SkippableFact]
    public void Same_inputs_give_byte_identical_files_and_batch_size_changes_no_line()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 20);
        TestArchive.WritePair(root, "bad/empty", 0.5, "", seed: 1);
        string Run(string name, double batchSeconds)
        {
            var output = temp.Combine(name, "shard.jsonl.gz");
            ShardHarness.Execute(ShardHarness.Job(root, output, batchSeconds: batchSeconds));
            return output;
        }

        var first = Run("a", 3);
        var second = Run("b", 3);
        var bigBatches = Run("c", 1000);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(File.ReadAllBytes(first + ".errors.jsonl"), File.ReadAllBytes(second + ".errors.jsonl"));
        Assert.Equal(ReadLines(first), ReadLines(bigBatches));
        Assert.NotEqual(File.ReadAllBytes(first).Length, File.ReadAllBytes(bigBatches).Length); // more members, same lines
    }

    [SkippableFact]
    public void A_fresh_run_replaces_earlier_files()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 6);
        var reference = temp.Combine("ref", "out.jsonl.gz");
        ShardHarness.Execute(ShardHarness.Job(root, reference));

        var output = temp.Combine("out.jsonl.gz");
        File.WriteAllBytes(output, [.. File.ReadAllBytes(reference), .. File.ReadAllBytes(reference)]);
        File.WriteAllText(output + ".errors.jsonl", "{\"id\":\"old\",\"rel_wav\":\"old.wav\",\"error\":\"old\"}\n");
        File.WriteAllText(output + ".done", "old");
        ShardHarness.Execute(ShardHarness.Job(root, output));

        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(output));
        Assert.Empty(File.ReadAllBytes(output + ".errors.jsonl"));
        Assert.Equal((6L, 0L), (DoneRecord.TryRead(output + ".done")!.Records, DoneRecord.TryRead(output + ".done")!.Errors));
    }

    [SkippableFact]
    public void No_done_marker_is_written_with_no_done()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 2);
        var output = temp.Combine("out.jsonl");
        ShardHarness.Execute(ShardHarness.Job(root, output, useDoneMarker: false));
        Assert.False(File.Exists(output + ".done"));
        Assert.Equal(2, File.ReadAllLines(output).Length);
    }

    [SkippableFact]
    public void Progress_file_has_the_documented_shape()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 7);
        TestArchive.WritePair(root, "bad/empty", 0.5, "", seed: 1);
        var output = temp.Combine("shard-1.jsonl.gz");
        ShardHarness.Execute(ShardHarness.Job(root, output, shard: new ShardSelection(1, 2)));

        var progress = Parse(File.ReadAllText(output + ".progress.json"));
        Assert.Equal(
            ["shard_index", "shard_count", "state", "total", "done", "errors", "resumed", "reused", "audio_seconds", "elapsed_seconds",
             "wall_seconds", "clips_per_second", "audio_seconds_per_second", "eta_seconds", "settings_hash", "host", "pid", "updated_utc"],
            progress.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, progress.GetProperty("shard_index").GetInt32());
        Assert.Equal(2, progress.GetProperty("shard_count").GetInt32());
        Assert.Equal("done", progress.GetProperty("state").GetString());
        Assert.Equal(4, progress.GetProperty("total").GetInt32());
        Assert.Equal(4, progress.GetProperty("done").GetInt32());
        Assert.Equal(0, progress.GetProperty("resumed").GetInt32());
        Assert.Equal(0, progress.GetProperty("eta_seconds").GetInt32());
        Assert.True(progress.GetProperty("audio_seconds").GetDouble() > 0);
        Assert.True(DateTimeOffset.TryParse(progress.GetProperty("updated_utc").GetString(), out _));
        Assert.False(File.Exists(output + ".progress.json.tmp"));
    }

    [SkippableFact]
    public void Shards_together_cover_every_pair_exactly_once()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        var ids = TestArchive.WriteGoodClips(root, 17);
        TestArchive.WritePair(root, "bad/empty", 0.5, "", seed: 1);
        ids.Add("bad/empty");
        var seen = new List<string>();
        for (var index = 0; index < 3; index++)
        {
            var output = temp.Combine($"shard-{index}.jsonl.gz");
            ShardHarness.Execute(ShardHarness.Job(root, output, shard: new ShardSelection(index, 3)));
            seen.AddRange(ReadLines(output).Concat(ReadLines(output + ".errors.jsonl")).Select(l => Parse(l).GetProperty("id").GetString()!));
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void A_missing_extract_dir_or_an_unwritable_output_fails_the_shard()
    {
        using var temp = new TempDir();
        var missing = Assert.Throws<WorkerFailureException>(() =>
            ShardHarness.Execute(ShardHarness.Job(temp.Combine("nope"), temp.Combine("out.jsonl"))));
        Assert.StartsWith($"cannot walk the extract dir {temp.Combine("nope")}: ", missing.Message);

        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 1);
        Directory.CreateDirectory(temp.Combine("taken.jsonl"));
        var unwritable = Assert.Throws<WorkerFailureException>(() =>
            ShardHarness.Execute(ShardHarness.Job(root, temp.Combine("taken.jsonl"))));
        Assert.Contains("taken.jsonl", unwritable.Message);
    }
}
