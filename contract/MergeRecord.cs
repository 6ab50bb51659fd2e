namespace SpeechPairs.Contract;

/// <summary>
/// What a finished merge wrote, written last (<see cref="MergedOutputSet.Record"/>): the totals the report uses and the
/// job identity the merged files were made for. Verify, Report and the Merge target key on it.
/// </summary>
/// <param name="Identity">The job identity of the shards merged (<see cref="JobIdentity"/>).</param>
/// <param name="ErrorsByKind">Error lines by kind (the text before the first colon), excluded clips not counted.</param>
/// <param name="OutBytes">Size of the merged output, to notice a member replaced behind the record's back.</param>
/// <param name="ErrorsBytes">Size of the merged errors file, likewise.</param>
public sealed record MergeRecord(
    int Version,
    string Identity,
    int Shards,
    long Records,
    long Errors,
    long Excluded,
    IReadOnlyDictionary<string, long> ErrorsByKind,
    double AudioSeconds,
    long Tokens,
    long Tokenized,
    long Reused,
    long OutBytes,
    long ErrorsBytes,
    DateTimeOffset FinishedUtc)
{
    public const int CurrentVersion = 1;

    public void Write(string path) => ContractJson.WriteAtomically(path, this);

    /// <summary>The record, or null when absent, unreadable or of another version.</summary>
    public static MergeRecord? TryRead(string path) =>
        ContractJson.TryRead<MergeRecord>(path) is { Version: CurrentVersion } record ? record : null;

    /// <summary>Whether the set's members are still the files this record was written for.</summary>
    public bool Describes(MergedOutputSet set) =>
        File.Exists(set.Out) && File.Exists(set.Errors) && new FileInfo(set.Out).Length == OutBytes && new FileInfo(set.Errors).Length == ErrorsBytes;
}
