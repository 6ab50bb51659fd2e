using System.Text.Json;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Worker.Progress;

namespace SpeechPairs.Tests.Worker;

public sealed class ProgressTableTests : IDisposable
{
    // The worker contract's example.
    private const string Example =
        """{"shard_index":2,"shard_count":6,"state":"running","total":5000,"done":1234,"errors":3,"resumed":0,"audio_seconds":4567.8,"elapsed_seconds":370.2,"clips_per_second":3.2,"audio_seconds_per_second":12.5,"eta_seconds":1171,"updated_utc":"2026-11-25T12:00:00Z"}""";

    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 5, DateTimeKind.Utc);
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    private static string Progress(int index, int count, string state, long done, long total, double rate, double eta, long errors, DateTime updated) =>
        $$"""{"shard_index":{{index}},"shard_count":{{count}},"state":"{{state}}","total":{{total}},"done":{{done}},"errors":{{errors}},"resumed":0,"audio_seconds":10,"elapsed_seconds":10,"clips_per_second":{{rate}},"audio_seconds_per_second":4.5,"eta_seconds":{{eta}},"updated_utc":"{{updated:yyyy-MM-ddTHH:mm:ssZ}}"}""";

    private static ProgressDocument Parse(string json) => JsonSerializer.Deserialize<ProgressDocument>(json, ContractJson.Options)!;

    [SkippableFact]
    public void ParsesTheWorkersProgressFile()
    {
        ProgressDocument p = Parse(Example);
        Assert.Equal((2, 6, ShardState.Running, 5000, 1234, 3), (p.ShardIndex, p.ShardCount, p.State, p.Total, p.Done, p.Errors));
        Assert.Equal(4567.8, p.AudioSeconds);
        Assert.Equal(3.2, p.ClipsPerSecond);
        Assert.Equal(12.5, p.AudioSecondsPerSecond);
        Assert.Equal(1171L, p.EtaSeconds);
        Assert.Equal(new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc), p.UpdatedUtc.UtcDateTime);
    }

    [SkippableFact]
    public void TryReadReturnsNullForMissingOrBrokenFiles()
    {
        Assert.Null(ProgressDocument.TryRead(temp.Combine("missing.progress.json")));
        File.WriteAllText(temp.Combine("broken.progress.json"), "{\"shard_index\":");
        Assert.Null(ProgressDocument.TryRead(temp.Combine("broken.progress.json")));
    }

    [SkippableFact]
    public void TryReadToleratesAFileBeingReplaced()
    {
        // The worker writes a temporary file and renames it over the old one, over and over.
        string path = temp.Combine("shard-0-of-1.jsonl.gz.progress.json");
        File.WriteAllText(path, Example);
        using var stop = new CancellationTokenSource();
        var writer = new Thread(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                string next = path + ".tmp";
                File.WriteAllText(next, Example.Replace("\"done\":1234", $"\"done\":{i}"));
                File.Move(next, path, overwrite: true);
            }
        });
        writer.Start();

        for (int read = 0; read < 300; read++)
            Assert.NotNull(ProgressDocument.TryRead(path));
        stop.Cancel();
        writer.Join();
    }

    [SkippableFact]
    public void TableShowsEveryShardAndAnOverallEta()
    {
        var shards = new (ProgressDocument?, bool)[]
        {
            (Parse(Progress(0, 4, "done", 100, 100, 2, 0, 1, Now.AddSeconds(-30))), true),
            (Parse(Progress(1, 4, "running", 50, 100, 1, 50, 2, Now.AddSeconds(-1))), false),
            (Parse(Progress(2, 4, "running", 25, 100, 0.5, 150, 0, Now.AddSeconds(-2))), false),
            (null, false),
        };

        IReadOnlyList<string> lines = ProgressTable.Render(shards, Now);

        Assert.Equal(6, lines.Count); // header, 4 shards, totals
        Assert.StartsWith("shard", lines[0]);
        Assert.Matches(@"^0/4\s+done\s+100/100\s+100\.0%", lines[1]);
        Assert.Matches(@"^1/4\s+running\s+50/100\s+50\.0%\s+1\.00\s+4\.5x\s+0:00:50\s+2\s+1s ago$", lines[2]);
        Assert.Matches(@"^3/4\s+pending$", lines[4]);
        // 3 known shards of 100 clips, one pending assumed alike: 400 - 175 left at 1.5 clips/s = 150 s.
        Assert.Equal("all: 2 running, 1 done, 1 pending | 175/~400 clips (43.8%) | 1.50 clips/s | ETA 0:02:30 | errors 3", lines[5]);
    }

    [SkippableFact]
    public void AShardThatStoppedReportingIsStalled()
    {
        var shards = new (ProgressDocument?, bool)[]
        {
            (Parse(Progress(0, 1, "running", 5, 10, 1, 5, 0, Now - ProgressTable.StalledAfter - TimeSpan.FromSeconds(1))), false),
        };

        IReadOnlyList<string> lines = ProgressTable.Render(shards, Now);

        Assert.Matches(@"^0/1\s+stalled\s", lines[1]);
        Assert.Contains("1 stalled", lines[^1]);
        Assert.Contains("ETA unknown", lines[^1]);
    }

    [SkippableTheory]
    [InlineData(0, "0:00:00")]
    [InlineData(59.6, "0:01:00")]
    [InlineData(1171, "0:19:31")]
    [InlineData(97440, "27:04:00")]
    public void DurationsReadAsHoursMinutesSeconds(double seconds, string expected) =>
        Assert.Equal(expected, ProgressTable.Duration(seconds));

    [SkippableFact]
    public void ProgressCommandShowsTheMostRecentRun()
    {
        string work = temp.Path;
        // An older run with 3 shards, and the current one with 2.
        File.WriteAllText(Path.Combine(work, "shard-0-of-3.jsonl.gz.progress.json"), Progress(0, 3, "done", 9, 9, 1, 0, 0, Now));
        File.SetLastWriteTimeUtc(Path.Combine(work, "shard-0-of-3.jsonl.gz.progress.json"), DateTime.UtcNow.AddHours(-1));
        File.WriteAllText(Path.Combine(work, "shard-1-of-2.jsonl.gz.progress.json"), Progress(1, 2, "running", 4, 8, 2, 2, 1, DateTime.UtcNow));
        File.WriteAllText(Path.Combine(work, "shard-0-of-2.jsonl.gz.done"), "{}");
        var (code, output) = RunProgress(work);

        Assert.Equal(0, code);
        var messages = output.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains(messages, m => m.StartsWith("Progress of 2 shards"));
        Assert.Contains(messages, m => System.Text.RegularExpressions.Regex.IsMatch(m, @"^0/2\s+done$"));
        Assert.Contains(messages, m => System.Text.RegularExpressions.Regex.IsMatch(m, @"^1/2\s+running\s+4/8\s"));
        Assert.DoesNotContain(messages, m => m.StartsWith("2/"));
    }

    [SkippableFact]
    public void ProgressCommandWithoutAnyRunSaysSo()
    {
        var (code, output) = RunProgress(Path.Combine(temp.Path, "never used"));
        Assert.Equal(0, code);
        Assert.Contains("No shard has reported progress", output);
    }

    private static (int Code, string Output) RunProgress(string workDir)
    {
        var output = new StringWriter();
        var context = new WorkerContext
        {
            Services = () => throw new InvalidOperationException("progress needs no tokenizer"),
            Environment = _ => null,
            Output = output,
            Error = output,
        };
        return (WorkerCommandLine.Run(["progress", "--work-dir", workDir], context), output.ToString());
    }

    [SkippableTheory]
    [InlineData("shard-2-of-6.jsonl.gz.progress.json", true, 2, 6)]
    [InlineData("shard-0-of-1.jsonl.progress.json", true, 0, 1)]
    [InlineData("shard-6-of-6.jsonl.progress.json", false, 6, 6)]
    [InlineData("shard-settings.txt", false, -1, -1)]
    public void ProgressFileNamesCarryIndexAndCount(string name, bool valid, int index, int count)
    {
        Assert.Equal(valid, ShardFiles.TryParseName(name, out int i, out int n));
        Assert.Equal((index, count), (i, n));
    }
}
