using System.Globalization;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Shard;

/// <summary>Which slice of the sorted pairs a worker handles: shard <see cref="Index"/> takes the pairs whose position mod <see cref="Count"/> equals it.</summary>
public sealed record ShardSelection
{
    /// <summary>The count variable that goes with Kubernetes' <c>JOB_COMPLETION_INDEX</c> (Kubernetes exposes no count).</summary>
    public const string KubernetesCountVariable = "SPEECHPAIRS_SHARD_COUNT";

    public ShardSelection(int index, int count)
    {
        if (count < 1)
            throw new UsageException($"shard count must be at least 1 (got {count})");
        if (index < 0 || index >= count)
            throw new UsageException($"shard index {index} is outside 0..{count - 1} for shard count {count}");
        Index = index;
        Count = count;
    }

    public int Index { get; }

    public int Count { get; }

    /// <summary>
    /// The shard from the command line; else from a Slurm array task (<c>SLURM_ARRAY_TASK_COUNT</c>/<c>SLURM_ARRAY_TASK_ID</c>,
    /// relative to <c>SLURM_ARRAY_TASK_MIN</c> in steps of <c>SLURM_ARRAY_TASK_STEP</c>); else from a Kubernetes Indexed Job
    /// (<c>JOB_COMPLETION_INDEX</c> with <see cref="KubernetesCountVariable"/>); else the single shard 0 of 1.
    /// </summary>
    /// <param name="environment">Looks up an environment variable (a delegate so tests need not touch the process environment).</param>
    public static ShardSelection Resolve(int? count, int? index, Func<string, string?> environment)
    {
        if (count is not null || index is not null)
        {
            if (count is null || index is null)
                throw new UsageException("--shard-count and --shard-index must be given together");
            return new ShardSelection(index.Value, count.Value);
        }

        if (!string.IsNullOrEmpty(environment("SLURM_ARRAY_TASK_ID")))
            return FromSlurm(environment);

        if (!string.IsNullOrEmpty(environment("JOB_COMPLETION_INDEX")))
        {
            var jobIndex = ReadInt(environment, "JOB_COMPLETION_INDEX", required: true)!.Value;
            var jobCount = ReadInt(environment, KubernetesCountVariable, required: false)
                ?? throw new UsageException($"JOB_COMPLETION_INDEX is set but {KubernetesCountVariable} (the number of shards) is not");
            return Checked(jobIndex, jobCount, $"JOB_COMPLETION_INDEX={jobIndex}, {KubernetesCountVariable}={jobCount}");
        }

        return new ShardSelection(0, 1);
    }

    /// <summary>Whether the pair at this position of the sorted list belongs to this shard.</summary>
    public bool Contains(int position) => position % Count == Index;

    /// <summary>This shard's items, in their original order.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> items)
    {
        var selected = new List<T>(items.Count / Count + 1);
        for (var position = Index; position < items.Count; position += Count)
            selected.Add(items[position]);
        return selected;
    }

    public override string ToString() => $"{Index}/{Count}";

    private static ShardSelection FromSlurm(Func<string, string?> environment)
    {
        var id = ReadInt(environment, "SLURM_ARRAY_TASK_ID", required: true)!.Value;
        var count = ReadInt(environment, "SLURM_ARRAY_TASK_COUNT", required: false)
            ?? throw new UsageException("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
        var min = ReadInt(environment, "SLURM_ARRAY_TASK_MIN", required: false) ?? 0;
        var step = ReadInt(environment, "SLURM_ARRAY_TASK_STEP", required: false) ?? 1;
        var source = $"SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_STEP={step}, SLURM_ARRAY_TASK_COUNT={count}";
        if (step < 1 || (id - min) % step != 0)
            throw new UsageException($"cannot map the Slurm array task to a shard ({source}); use a range array such as --array=0-{count - 1}");
        return Checked((id - min) / step, count, source);
    }

    private static ShardSelection Checked(int index, int count, string source)
    {
        if (count < 1 || index < 0 || index >= count)
            throw new UsageException($"the environment gives shard index {index} of {count}, which is not a shard ({source})");
        return new ShardSelection(index, count);
    }

    private static int? ReadInt(Func<string, string?> environment, string name, bool required)
    {
        var text = environment(name);
        if (string.IsNullOrWhiteSpace(text))
            return required ? throw new UsageException($"{name} is not set") : null;
        return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"{name}={text} is not an integer");
    }
}
