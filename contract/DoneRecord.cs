namespace SpeechPairs.Contract;

/// <summary>
/// The record a worker writes last, once a shard's output and errors files are complete: the one sign that a shard is
/// finished, whoever ran it (MSBuild, a Slurm task, a person). It carries the totals the merge reports, so nothing is
/// recounted, and the hash of the settings that produced the shard, so output made with other settings is never
/// taken for finished work.
/// </summary>
/// <param name="Records">Clips with an output line.</param>
/// <param name="Errors">Clips with an error line (excluded ones not counted).</param>
/// <param name="Excluded">Clips left out on purpose (longer than MaxDuration): their line in the errors file has the kind <c>too long</c>.</param>
/// <param name="AudioSeconds">Audio of the records, from their WAV headers (finished by any run, resumed ones included).</param>
/// <param name="Tokens">Audio tokens over all records.</param>
/// <param name="Tokenized">Records whose tokens the tokenizer made (by any run of this shard).</param>
/// <param name="Reused">Records whose tokens came from the token cache.</param>
/// <param name="WallSeconds">Wall time of all runs that worked on the shard.</param>
/// <param name="PeakMemoryMb">Peak resident memory of the slowest-growing run (the largest of the runs).</param>
/// <param name="Stages">Where the finishing run's time went; null in records written before it existed.</param>
public sealed record DoneRecord(
    int Version,
    int ShardIndex,
    int ShardCount,
    string SettingsHash,
    long Records,
    long Errors,
    long Excluded,
    double AudioSeconds,
    long Tokens,
    long Tokenized,
    long Reused,
    double WallSeconds,
    double PeakMemoryMb,
    DateTimeOffset FinishedUtc,
    StageSeconds? Stages = null)
{
    /// <summary>Bumped when the meaning of a field changes; a record of another version is not trusted.</summary>
    public const int CurrentVersion = 1;

    public void Write(string path) => ContractJson.WriteAtomically(path, this);

    /// <summary>The record, or null when absent, unreadable or of another version.</summary>
    public static DoneRecord? TryRead(string path) =>
        ContractJson.TryRead<DoneRecord>(path) is { Version: CurrentVersion } record ? record : null;
}
