using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Tests.Worker;

public sealed class ShardSelectionTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(150)]
    public void Shards_partition_the_pairs_exactly(int count)
    {
        var items = Enumerable.Range(0, 101).ToList();
        var seen = new List<int>();
        for (var index = 0; index < count; index++)
        {
            var shard = new ShardSelection(index, count);
            var selected = shard.Select(items);
            Assert.All(selected, item => Assert.Equal(index, item % count));
            Assert.Equal(selected.OrderBy(i => i), selected); // shard order is pair order
            Assert.All(selected, item => Assert.True(shard.Contains(item)));
            seen.AddRange(selected);
        }

        Assert.Equal(items, seen.Order());
    }

    [SkippableFact]
    public void Command_line_wins_over_the_environment()
    {
        var shard = ShardSelection.Resolve(4, 1, Env(("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "6")));
        Assert.Equal((1, 4), (shard.Index, shard.Count));
    }

    [SkippableFact]
    public void Nothing_set_means_one_shard() =>
        Assert.Equal(new ShardSelection(0, 1), ShardSelection.Resolve(null, null, Env()));

    [SkippableFact]
    public void Slurm_array_task_selects_the_shard()
    {
        var shard = ShardSelection.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "6")));
        Assert.Equal((2, 6), (shard.Index, shard.Count));
    }

    [SkippableFact]
    public void Slurm_arrays_that_do_not_start_at_zero_are_rebased()
    {
        var fromOne = ShardSelection.Resolve(null, null,
            Env(("SLURM_ARRAY_TASK_ID", "6"), ("SLURM_ARRAY_TASK_COUNT", "6"), ("SLURM_ARRAY_TASK_MIN", "1")));
        Assert.Equal((5, 6), (fromOne.Index, fromOne.Count));
        var stepped = ShardSelection.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "14"), ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_STEP", "2")));
        Assert.Equal((2, 4), (stepped.Index, stepped.Count));
    }

    [SkippableFact]
    public void Kubernetes_indexed_job_uses_the_documented_count_variable()
    {
        var shard = ShardSelection.Resolve(null, null,
            Env(("JOB_COMPLETION_INDEX", "4"), (ShardSelection.KubernetesCountVariable, "6")));
        Assert.Equal((4, 6), (shard.Index, shard.Count));
    }

    [SkippableFact]
    public void Slurm_wins_over_kubernetes()
    {
        var shard = ShardSelection.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("JOB_COMPLETION_INDEX", "0"), (ShardSelection.KubernetesCountVariable, "2")));
        Assert.Equal((1, 3), (shard.Index, shard.Count));
    }

    [SkippableTheory]
    [InlineData("JOB_COMPLETION_INDEX", "2", null, null, "SPEECHPAIRS_SHARD_COUNT")]
    [InlineData("SLURM_ARRAY_TASK_ID", "2", null, null, "SLURM_ARRAY_TASK_COUNT")]
    [InlineData("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "3", "not an integer")]
    [InlineData("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "3", "not a shard")]
    [InlineData("JOB_COMPLETION_INDEX", "-1", "SPEECHPAIRS_SHARD_COUNT", "3", "not a shard")]
    [InlineData("JOB_COMPLETION_INDEX", "0", "SPEECHPAIRS_SHARD_COUNT", "0", "not a shard")]
    public void Inconsistent_environment_is_a_usage_error(string name1, string value1, string? name2, string? value2, string expected)
    {
        var variables = new List<(string, string)> { (name1, value1) };
        if (name2 is not null)
            variables.Add((name2, value2!));
        var error = Assert.Throws<UsageException>(() => ShardSelection.Resolve(null, null, Env([.. variables])));
        Assert.Contains(expected, error.Message);
    }

    [SkippableTheory]
    [InlineData(3, null)]
    [InlineData(null, 0)]
    [InlineData(3, 3)]
    [InlineData(3, -1)]
    [InlineData(0, 0)]
    public void Bad_command_line_shards_are_usage_errors(int? count, int? index) =>
        Assert.Throws<UsageException>(() => ShardSelection.Resolve(count, index, Env()));
}
