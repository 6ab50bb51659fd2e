namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// Wanted entries that are deliberately not extracted: links (never materialised, never followed) and names
/// too long for the file system. Both extractors skip the same entries, so they write the same tree.
/// </summary>
internal sealed class SkippedEntries
{
    private const int Listed = 5;
    private readonly List<string> links = [];
    private readonly List<string> tooLong = [];

    public int Links { get; private set; }
    public int TooLong { get; private set; }

    public void AddLink(string entry) => Add(links, entry, () => Links++);

    public void AddTooLong(string entry) => Add(tooLong, entry, () => TooLong++);

    /// <summary>One warning line per kind of skipped entry, naming the first few.</summary>
    public IEnumerable<string> Warnings(string archive)
    {
        if (Links > 0)
            yield return $"skipped {Links} symbolic or hard link(s) in '{archive}' (links are never extracted): {Names(links, Links)}";
        if (TooLong > 0)
            yield return $"skipped {TooLong} entr(ies) in '{archive}' whose file or folder name is longer than " +
                         $"{ArchiveEntryPaths.MaxNameBytes} bytes: {Names(tooLong, TooLong)}";
    }

    private static void Add(List<string> first, string entry, Action count)
    {
        count();
        if (first.Count < Listed)
            first.Add(entry);
    }

    private static string Names(List<string> first, int total) =>
        string.Join(", ", first.Select(n => $"'{(n.Length > 80 ? n[..77] + "..." : n)}'")) + (total > first.Count ? ", ..." : "");
}
