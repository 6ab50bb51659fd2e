using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

public sealed class PlanShardsTests
{
    [Fact]
    public void NamesEveryShardsFiles()
    {
        string work = Path.Combine(Path.GetTempPath(), "工作 dir");
        var task = new PlanShards { BuildEngine = new RecordingBuildEngine(), WorkDir = work, ShardCount = 3, MergedOutput = "out/pairs.jsonl.gz" };

        Assert.True(task.Execute());

        Assert.Equal(3, task.Shards.Length);
        var last = task.Shards[2];
        Assert.Equal(Path.Combine(work, "shard-2-of-3.jsonl.gz"), last.ItemSpec);
        Assert.Equal("2", last.GetMetadata("ShardIndex"));
        Assert.Equal("3", last.GetMetadata("ShardCount"));
        Assert.Equal(Path.Combine(work, "shard-2-of-3.jsonl.gz.done"), last.GetMetadata("DoneFile"));
        Assert.Equal(Path.Combine(work, "logs", "shard-2-of-3.log"), last.GetMetadata("LogFile"));
    }

    [Fact]
    public void PlainOutputGivesPlainShards()
    {
        var task = new PlanShards { BuildEngine = new RecordingBuildEngine(), WorkDir = Path.GetTempPath(), ShardCount = 1, MergedOutput = "pairs.jsonl" };
        Assert.True(task.Execute());
        Assert.EndsWith("shard-0-of-1.jsonl", task.Shards[0].ItemSpec);
    }

    [Fact]
    public void ShardIndicesSelectTheShardsThisMachineRuns()
    {
        var task = new PlanShards { BuildEngine = new RecordingBuildEngine(), WorkDir = Path.GetTempPath(), ShardCount = 4, MergedOutput = "pairs.jsonl.gz", ShardIndices = "3, 0,3" };
        Assert.True(task.Execute());
        Assert.Equal(4, task.Shards.Length);
        Assert.Equal(["0", "3"], task.Selected.Select(s => s.GetMetadata("ShardIndex")));

        var log = new RecordingBuildEngine();
        Assert.False(new PlanShards { BuildEngine = log, WorkDir = Path.GetTempPath(), ShardCount = 4, MergedOutput = "pairs.jsonl.gz", ShardIndices = "1,4" }.Execute());
        Assert.Contains("'4' is not one", Assert.Single(log.Errors));
    }

    [Theory]
    [InlineData(0, "pairs.jsonl.gz")]
    [InlineData(2, "pairs.json")]
    public void RejectsBadSettings(int count, string output)
    {
        var log = new RecordingBuildEngine();
        Assert.False(new PlanShards { BuildEngine = log, WorkDir = Path.GetTempPath(), ShardCount = count, MergedOutput = output }.Execute());
        Assert.Single(log.Errors);
    }
}
