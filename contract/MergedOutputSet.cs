namespace SpeechPairs.Contract;

/// <summary>
/// The files the merge and the steps after it write beside the merged output, named once. The set is one unit: the
/// merge deletes <see cref="Record"/> first, writes the members under temporary names, renames them into place and
/// writes <see cref="Record"/> last, so a set without its record is unfinished whatever else exists.
/// </summary>
/// <param name="Out">The merged pairs (.jsonl.gz, .jsonl or .parquet).</param>
public sealed record MergedOutputSet(string Out)
{
    /// <summary>One line per clip without tokens, in the global pair order.</summary>
    public string Errors => ErrorsFile.Beside(Out);

    /// <summary>The merge record (<see cref="MergeRecord"/>), written last.</summary>
    public string Record => Out + ".merge.json";

    /// <summary>The report's figures for scripts.</summary>
    public string Stats => Out + ".stats.json";

    /// <summary>The self-contained HTML report.</summary>
    public string Report => Out + ".report.html";

    /// <summary>The members the merge writes (the record comes after them).</summary>
    public IReadOnlyList<string> MergedMembers => [Out, Errors];

    /// <summary>Every file of the set.</summary>
    public IReadOnlyList<string> All => [Out, Errors, Record, Stats, Report];

    /// <summary>The temporary name a writer of <paramref name="member"/> uses; stale ones (of killed writers) match <see cref="TemporaryPattern"/>.</summary>
    public static string Temporary(string member) => $"{member}.tmp-{Environment.ProcessId}";

    public static string TemporaryPattern(string member) => Path.GetFileName(member) + ".tmp-*";
}
