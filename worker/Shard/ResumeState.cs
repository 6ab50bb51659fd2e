using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Shard;

/// <summary>What an earlier run of this shard already finished: every id in its output or its errors file.</summary>
public sealed class ResumeState
{
    private readonly HashSet<string> _done;
    private readonly HashSet<string> _records;

    private ResumeState(HashSet<string> done, HashSet<string> records, int errors, long tokens)
    {
        _done = done;
        _records = records;
        Errors = errors;
        Tokens = tokens;
    }

    /// <summary>Nothing finished yet.</summary>
    public static ResumeState Empty { get; } = new([], [], 0, 0);

    /// <summary>Clips of this shard with an output line.</summary>
    public int Records => _records.Count;

    /// <summary>Audio tokens in those output lines.</summary>
    public long Tokens { get; }

    /// <summary>Clips of this shard with an error line (and no output line).</summary>
    public int Errors { get; }

    /// <summary>Clips of this shard that need no more work.</summary>
    public int Done => _done.Count;

    public bool IsDone(string id) => _done.Contains(id);

    /// <summary>Whether an earlier run wrote an output line for this clip.</summary>
    public bool IsRecord(string id) => _records.Contains(id);

    /// <summary>
    /// Combines the ids read back from the output and the errors file. Ids that are not clips of this shard mean the
    /// files belong to another selection (different shard count, extract dir or placeholder setting); continuing would
    /// mix two data sets, so that fails the shard.
    /// </summary>
    public static ResumeState From(IEnumerable<string> recordIds, long recordTokens, IEnumerable<string> errorIds, IReadOnlyList<ClipPair> shardClips, ShardFiles files)
    {
        var shardIds = new HashSet<string>(shardClips.Select(c => c.Id), StringComparer.Ordinal);
        var records = new HashSet<string>(StringComparer.Ordinal);
        var errors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (ids, into, file) in new[] { (recordIds, records, files.Output), (errorIds, errors, files.Errors) })
        {
            foreach (var id in ids)
            {
                if (!shardIds.Contains(id))
                    throw new WorkerFailureException(
                        $"cannot resume: {file} holds '{id}', which is not a clip of this shard (other --shard-count, extract dir or " +
                        "--exclude-placeholder?); run without --resume to start over");
                into.Add(id);
            }
        }

        errors.ExceptWith(records);
        var done = new HashSet<string>(records, StringComparer.Ordinal);
        done.UnionWith(errors);
        return new ResumeState(done, records, errors.Count, recordTokens);
    }
}
