using Microsoft.Extensions.Time.Testing;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using System.Text.Json;
using System.Text.RegularExpressions;
using SpeechPairs.Worker.Progress;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Tests.Worker;

public sealed class ProgressTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 25, 10, 36, 0, 123, TimeSpan.Zero);

    // MSBuild's Exec turns lines of these shapes into build errors/warnings ("origin: [subcategory] error CODE: text" and
    // the Clang/GCC "file:line:col: error: text"); no worker line may look like them.
    private static readonly Regex CanonicalMessage = new(
        @"^\s*((((\d+>)?[a-zA-Z]?:[^:]*)|([^:]*)):|())(()|([^:]*? ))(error|warning)( \s*[^: ]*)?\s*:.*$", RegexOptions.IgnoreCase);

    private static readonly Regex ClangMessage = new(@"^\s*(.*):([0-9]*):([0-9]*):( error| warning):.*", RegexOptions.IgnoreCase);

    private static ProgressSnapshot Example(int resumed = 0, double elapsed = 385.625) =>
        new(new ShardSelection(2, 6), ShardState.Running, 5000, 1234, 3, resumed, 4820.3125, elapsed, Now);

    [SkippableFact]
    public void Stderr_line_has_the_pipeline_shape() =>
        Assert.Equal("[shard 2/6] 1234/5000 clips (24.7%) | 3.2 clips/s | 12.5 audio-s/s (12.5x realtime) | ETA 0:19:37 | errors 3",
            Example().ToLine());

    private static string Json(ProgressSnapshot snapshot) => JsonSerializer.Serialize(snapshot.ToDocument("abc"), ContractJson.Options);

    [SkippableFact]
    public void Progress_json_has_the_documented_keys_and_values()
    {
        var json = Json(Example());
        Assert.StartsWith(
            """{"shard_index":2,"shard_count":6,"state":"running","total":5000,"done":1234,"errors":3,"resumed":0,"reused":0,"audio_seconds":4820.3,"elapsed_seconds":385.6,"wall_seconds":385.6,"clips_per_second":3.2,"audio_seconds_per_second":12.5,"eta_seconds":1177,"settings_hash":"abc","host":""",
            json);
        Assert.EndsWith($",\"pid\":{Environment.ProcessId},\"updated_utc\":\"2025-11-25T10:36:00.123+00:00\"}}", json);
        Assert.Equal(Example().ToDocument("abc"), JsonSerializer.Deserialize<ProgressDocument>(json, ContractJson.Options));
    }

    [SkippableFact]
    public void Rates_count_only_this_runs_clips()
    {
        var snapshot = Example(resumed: 1000, elapsed: 100);
        Assert.Equal(2.34, snapshot.ClipsPerSecond, 6);
        Assert.Equal((5000 - 1234) / 2.34, snapshot.EtaSeconds!.Value, 6);
    }

    [SkippableFact]
    public void Inside_a_long_clip_the_share_done_and_the_eta_move()
    {
        // One 2-hour clip, 40 % of it done after 100 s: no clip is finished, yet the rate and ETA are known.
        var snapshot = new ProgressSnapshot(new ShardSelection(0, 1), ShardState.Running, 1, 0, 0, 0, 2880, 100, Now, CountedSeconds: 100, InClip: 0.4);
        Assert.Equal(150, snapshot.EtaSeconds!.Value, 6);
        Assert.StartsWith("[shard 0/1] 0/1 clips (40.0%) | 0.0 clips/s | 28.8 audio-s/s (28.8x realtime) | ETA 0:02:30 |", snapshot.ToLine());
    }

    [SkippableFact]
    public void Eta_is_unknown_until_a_clip_of_this_run_finished()
    {
        var snapshot = new ProgressSnapshot(new ShardSelection(0, 1), ShardState.Running, 10, 4, 0, 4, 0, 3, Now);
        Assert.Null(snapshot.EtaSeconds);
        Assert.Contains("| ETA -:--:-- |", snapshot.ToLine());
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(Json(snapshot)).RootElement.GetProperty("eta_seconds").ValueKind);
        var empty = new ProgressSnapshot(new ShardSelection(0, 1), ShardState.Done, 0, 0, 0, 0, 0, 0, Now);
        Assert.Equal("[shard 0/1] 0/0 clips (100.0%) | 0.0 clips/s | 0.0 audio-s/s (0.0x realtime) | ETA 0:00:00 | errors 0", empty.ToLine());
    }

    [SkippableFact]
    public void Between_batches_the_rate_holds_and_the_eta_counts_down()
    {
        // 1234 − 1000 clips of this run counted at 100 s: 2.34 clips/s; printed 30 s later.
        var counted = Example(resumed: 1000, elapsed: 130) with { CountedSeconds = 100 };
        Assert.Equal(2.34, counted.ClipsPerSecond, 6);
        Assert.Equal(4820.3125 / 100, counted.AudioSecondsPerSecond, 6);
        Assert.Equal((5000 - 1234) / 2.34 - 30, counted.EtaSeconds!.Value, 6);
        var overdue = Example(resumed: 1000, elapsed: 100 + 5000) with { CountedSeconds = 100 };
        Assert.Equal(0, overdue.EtaSeconds!.Value);
    }

    [SkippableFact]
    public void Reporter_lines_keep_the_last_batchs_rate_until_the_next_batch()
    {
        using var temp = new TempDir();
        var clock = new FakeTimeProvider();
        var log = new StringWriter();
        using var reporter = new ProgressReporter(new ShardSelection(0, 1), 100, temp.Combine("p.json"), log, TimeSpan.FromSeconds(1), clock);
        reporter.Start(resumed: 0, resumedErrors: 0);
        clock.Advance(TimeSpan.FromSeconds(10));
        reporter.AddBatch(clips: 20, errors: 0, audioSeconds: 100);
        clock.Advance(TimeSpan.FromSeconds(5));
        var running = reporter.Current(ShardState.Running);
        Assert.Equal(2.0, running.ClipsPerSecond, 6);
        Assert.Equal(10.0, running.AudioSecondsPerSecond, 6);
        Assert.Equal(80 / 2.0 - 5, running.EtaSeconds!.Value, 6);
        Assert.EndsWith("[shard 0/1] 20/100 clips (20.0%) | 2.0 clips/s | 10.0 audio-s/s (10.0x realtime) | ETA 0:00:35 | errors 0",
            log.ToString().TrimEnd().Split('\n')[^1]);

        // The final line's rates are over the whole run, the 5 s after the last batch included.
        clock.Advance(TimeSpan.FromSeconds(5));
        var final = reporter.Finish(ShardState.Done);
        Assert.Equal(1.0, final.ClipsPerSecond, 6);
    }

    [SkippableTheory]
    [InlineData(0, "0:00:00")]
    [InlineData(59.6, "0:01:00")]
    [InlineData(3600 * 27 + 61, "27:01:01")]
    public void Durations_are_hours_minutes_seconds(double seconds, string expected) =>
        Assert.Equal(expected, ProgressSnapshot.FormatDuration(seconds));

    [SkippableFact]
    public void The_canonical_pattern_check_itself_recognizes_msbuild_errors()
    {
        Assert.Matches(CanonicalMessage, "src/a.cs(1,1): error CS1002: ; expected");
        Assert.Matches(CanonicalMessage, "worker: error: something");
        Assert.Matches(ClangMessage, "a.c:6:3: error: undeclared");
    }

    [SkippableFact]
    public void No_worker_line_takes_the_msbuild_canonical_error_shape()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 3);
        TestArchive.WritePair(root, "bad/empty", 0.5, "", seed: 1);
        TestArchive.WritePair(root, OperatingSystem.IsWindows() ? "bad/error x" : "bad/error: x", 0.5, [0xFF, 0xFE, 0x00], seed: 2);
        var output = temp.Combine("out.jsonl.gz");
        var job = ShardHarness.Job(root, output) with { ProgressInterval = TimeSpan.FromMilliseconds(1) };
        var first = ShardHarness.Execute(job);
        var resumed = ShardHarness.Execute(job with { Resume = true });
        var lines = (first.Log + resumed.Log).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Append(Example().ToLine())
            .ToList();
        Assert.Contains(lines, l => l.Contains("skipped", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("finished", StringComparison.Ordinal));
        Assert.All(lines, line =>
        {
            Assert.DoesNotMatch(CanonicalMessage, line);
            Assert.DoesNotMatch(ClangMessage, line);
        });
    }

    [SkippableFact]
    public void Reporter_reports_periodically_and_replaces_the_file_atomically()
    {
        using var temp = new TempDir();
        var path = temp.Combine("out.jsonl.progress.json");
        var log = new StringWriter();
        using var reporter = new ProgressReporter(new ShardSelection(0, 2), 10, path, TextWriter.Synchronized(log), TimeSpan.FromMilliseconds(20), TimeProvider.System);
        reporter.Start(resumed: 2, resumedErrors: 1);
        Assert.Equal("running", JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("state").GetString());
        reporter.AddBatch(clips: 3, errors: 1, audioSeconds: 4.5);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!log.ToString().Contains("5/10 clips", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            Thread.Sleep(10);
        Assert.Contains("[shard 0/2] 5/10 clips (50.0%)", log.ToString());

        var final = reporter.Finish(ShardState.Done);
        var json = JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        Assert.Equal("done", json.GetProperty("state").GetString());
        Assert.Equal(5, json.GetProperty("done").GetInt32());
        Assert.Equal(2, json.GetProperty("errors").GetInt32());
        Assert.Equal(2, json.GetProperty("resumed").GetInt32());
        Assert.Equal(4.5, json.GetProperty("audio_seconds").GetDouble());
        Assert.Equal(5, final.Done);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [SkippableFact]
    public void An_unwritable_progress_file_is_reported_once_and_does_not_stop_the_shard()
    {
        using var temp = new TempDir();
        var log = new StringWriter();
        File.WriteAllText(temp.Combine("a-file"), ""); // so its "folder" can never be created
        using var reporter = new ProgressReporter(new ShardSelection(0, 1), 5, temp.Combine("a-file", "p.json"), log,
            TimeSpan.FromHours(1), TimeProvider.System);
        reporter.Start(0, 0);
        reporter.Report();
        reporter.Finish(ShardState.Done);
        Assert.Single(log.ToString().Split('\n'), l => l.Contains("cannot write", StringComparison.Ordinal));
    }
}
