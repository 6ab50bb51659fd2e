namespace SpeechPairs.Contract;

/// <summary>Where a shard stands, as its progress document says.</summary>
public enum ShardState
{
    /// <summary>No worker has reported on it yet (never written to disk; readers use it for a missing document).</summary>
    Pending,
    Running,
    Done,
    Failed,
}

/// <summary>
/// A shard's progress, replaced atomically every few seconds by its worker and read by <c>worker progress</c> and the
/// Slurm driver. <see cref="Done"/> counts finished clips (errors and clips finished by earlier runs included);
/// rates and the ETA count this run only; <see cref="WallSeconds"/> adds up every run of the shard
/// (kept across resumes while the settings are the same).
/// </summary>
public sealed record ProgressDocument(
    int ShardIndex,
    int ShardCount,
    ShardState State,
    int Total,
    int Done,
    int Errors,
    int Resumed,
    int Reused,
    double AudioSeconds,
    double ElapsedSeconds,
    double WallSeconds,
    double ClipsPerSecond,
    double AudioSecondsPerSecond,
    long? EtaSeconds,
    string? SettingsHash,
    string? Host,
    int? Pid,
    DateTimeOffset UpdatedUtc)
{
    public void Write(string path) => ContractJson.WriteAtomically(path, this);

    public static ProgressDocument? TryRead(string path) => ContractJson.TryRead<ProgressDocument>(path);
}
