using System.IO.Compression;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

public sealed class MergeShardsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static string Line(string id, int tokens) =>
        $$"""{"id":"{{id}}","text":"文本 {{id}}","tokens":"{{string.Concat(Enumerable.Range(0, tokens).Select(t => $"<audio_{t}>"))}}","rel_wav":"{{id}}.wav","rel_lab":"{{id}}.lab","sr":16000}""";

    /// <summary>Writes a finished shard (output, sentinel, errors, progress) the way RunShard and the worker leave it.</summary>
    private ITaskItem Shard(int index, int count, string extension, string content, string errors = "", double audioSeconds = 1800, bool finished = true)
    {
        string output = temp[$"shard-{index}-of-{count}{extension}"];
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        if (extension.EndsWith(".gz"))
        {
            using var file = File.Create(output);
            using var gzip = new GZipStream(file, CompressionLevel.Optimal);
            gzip.Write(bytes);
        }
        else
            File.WriteAllBytes(output, bytes);
        File.WriteAllText(output + ".errors.jsonl", errors);
        File.WriteAllText(output + ".progress.json",
            $$"""{"shard_index":{{index}},"shard_count":{{count}},"state":"done","total":3,"done":3,"errors":0,"resumed":0,"audio_seconds":{{audioSeconds}},"elapsed_seconds":1,"clips_per_second":3,"audio_seconds_per_second":1,"eta_seconds":0,"updated_utc":"2026-11-25T12:00:00Z"}""");
        string sentinel = temp[$"shard-{index}-of-{count}.ok"];
        if (finished)
            File.WriteAllText(sentinel, "");
        var item = new TaskItem(output);
        item.SetMetadata("ShardIndex", index.ToString());
        item.SetMetadata("Sentinel", sentinel);
        item.SetMetadata("ErrorsFile", output + ".errors.jsonl");
        item.SetMetadata("ProgressFile", output + ".progress.json");
        return item;
    }

    private (bool Succeeded, RecordingBuildEngine Log, MergeShards Task) Merge(string destination, params ITaskItem[] shards)
    {
        var log = new RecordingBuildEngine();
        var task = new MergeShards { BuildEngine = log, Shards = shards, Destination = destination };
        return (task.Execute(), log, task);
    }

    [Theory]
    [InlineData(".jsonl.gz")]
    [InlineData(".jsonl")]
    public void ConcatenatesInShardOrderAndReportsTotals(string extension)
    {
        string[] lines = [Line("a", 2), Line("b", 3), Line("c", 0), Line("d", 5), Line("e", 1)];
        ITaskItem[] shards =
        [
            Shard(2, 3, extension, lines[4] + "\n", errors: """{"id":"x","rel_wav":"x.wav","error":"bad"}""" + "\n"),
            Shard(0, 3, extension, lines[0] + "\n" + lines[1] + "\n"),
            Shard(1, 3, extension, lines[2] + "\n" + lines[3] + "\n", errors: """{"id":"y","rel_wav":"y.wav","error":"bad"}""" + "\n"),
        ];
        string destination = temp["pairs" + extension];

        var (succeeded, log, task) = Merge(destination, shards);

        Assert.True(succeeded, log.AllText);
        Assert.Equal(lines, ClipTree.ReadLines(destination)); // GZipStream reads all concatenated members
        Assert.Equal(5, task.Clips);
        Assert.Equal(11, task.Tokens);
        Assert.Equal(2, task.Errors);
        Assert.Equal(1.5, task.AudioHours, 6);
        Assert.Equal(["""{"id":"y","rel_wav":"y.wav","error":"bad"}""", """{"id":"x","rel_wav":"x.wav","error":"bad"}"""],
                     File.ReadAllLines(destination + ".errors.jsonl"));
        Assert.Contains("5 clips", log.AllText);
        Assert.Contains("1.50 audio hours", log.AllText);
        Assert.Contains("11 audio tokens", log.AllText);
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp-*"));
    }

    [Fact]
    public void GzipShardsAreConcatenatedAsBytes()
    {
        ITaskItem[] shards = [Shard(0, 2, ".jsonl.gz", Line("a", 1) + "\n"), Shard(1, 2, ".jsonl.gz", Line("b", 1) + "\n")];
        string destination = temp["pairs.jsonl.gz"];

        Assert.True(Merge(destination, shards).Succeeded);

        byte[] expected = [.. File.ReadAllBytes(shards[0].ItemSpec), .. File.ReadAllBytes(shards[1].ItemSpec)];
        Assert.Equal(expected, File.ReadAllBytes(destination));
    }

    [Theory]
    [InlineData(".jsonl.gz")]
    [InlineData(".jsonl")]
    public void AShardWithoutAFinalNewlineDoesNotJoinLines(string extension)
    {
        ITaskItem[] shards = [Shard(0, 2, extension, Line("a", 1)), Shard(1, 2, extension, Line("b", 1) + "\n")];
        string destination = temp["pairs" + extension];

        var (succeeded, _, task) = Merge(destination, shards);

        Assert.True(succeeded);
        Assert.Equal([Line("a", 1), Line("b", 1)], ClipTree.ReadLines(destination));
        Assert.Equal(2, task.Clips);
    }

    [Fact]
    public void CountsJsonEscapedTokens()
    {
        string escaped = """{"id":"a","tokens":"\u003Caudio_1\u003E\u003caudio_2\u003E","sr":16000}""";
        ITaskItem[] shards = [Shard(0, 1, ".jsonl", escaped + "\n")];

        var (succeeded, _, task) = Merge(temp["pairs.jsonl"], shards);

        Assert.True(succeeded);
        Assert.Equal(2, task.Tokens);
    }

    [Fact]
    public void RefusesToMixJsonlAndGzip()
    {
        ITaskItem[] shards = [Shard(0, 2, ".jsonl.gz", Line("a", 1) + "\n"), Shard(1, 2, ".jsonl", Line("b", 1) + "\n")];

        var (succeeded, log, _) = Merge(temp["pairs.jsonl.gz"], shards);

        Assert.False(succeeded);
        Assert.Contains("Refusing to mix", Assert.Single(log.Errors));
        Assert.False(File.Exists(temp["pairs.jsonl.gz"]));
    }

    [Fact]
    public void RefusesGzipShardsIntoAPlainOutput()
    {
        var (succeeded, log, _) = Merge(temp["pairs.jsonl"], Shard(0, 1, ".jsonl.gz", Line("a", 1) + "\n"));
        Assert.False(succeeded);
        Assert.Contains("Refusing to mix", Assert.Single(log.Errors));
    }

    [Fact]
    public void WaitsForEveryShardsSentinel()
    {
        ITaskItem[] shards = [Shard(0, 2, ".jsonl.gz", Line("a", 1) + "\n"), Shard(1, 2, ".jsonl.gz", Line("b", 1) + "\n", finished: false)];

        var (succeeded, log, _) = Merge(temp["pairs.jsonl.gz"], shards);

        Assert.False(succeeded);
        Assert.Contains("shard(s) 1 of 2", Assert.Single(log.Errors));
        Assert.False(File.Exists(temp["pairs.jsonl.gz"]));
    }

    [Fact]
    public void AFailedMergeLeavesThePreviousOutputAndNoTemporaryFile()
    {
        string destination = temp["pairs.jsonl.gz"];
        File.WriteAllText(destination, "previous");
        ITaskItem good = Shard(0, 2, ".jsonl.gz", Line("a", 1) + "\n");
        ITaskItem broken = Shard(1, 2, ".jsonl.gz", Line("b", 1) + "\n");
        File.WriteAllText(broken.ItemSpec, "not gzip at all"); // fails half way through the merge

        var (succeeded, log, _) = Merge(destination, good, broken);

        Assert.False(succeeded);
        Assert.Contains(broken.ItemSpec, Assert.Single(log.Errors));
        Assert.Equal("previous", File.ReadAllText(destination));
        Assert.Empty(Directory.GetFiles(temp.Path, "*.tmp-*"));
    }

    [Fact]
    public void ReplacesAnExistingOutput()
    {
        string destination = temp["pairs.jsonl"];
        File.WriteAllText(destination, "stale\n");

        Assert.True(Merge(destination, Shard(0, 1, ".jsonl", Line("a", 1) + "\n")).Succeeded);

        Assert.Equal([Line("a", 1)], File.ReadAllLines(destination));
    }
}
