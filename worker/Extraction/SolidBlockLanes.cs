namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// Splits a 7z archive's wanted files into groups of whole solid blocks that separate 7-Zip processes can extract at
/// the same time. Blocks decompress independently and 7-Zip skips a block none of whose files it is asked for, so
/// each process decompresses only its own blocks: with a process per core (at most four), an archive of several blocks
/// (7-Zip puts files of different filters in different blocks, e.g. mono and stereo WAVs get different delta filters,
/// and <c>-ms</c> bounds a block's size) extracts up to that many times faster.
/// </summary>
/// <remarks>
/// The groups name their files exactly (<c>-i@list</c>), so a name 7-Zip would read as a pattern (<c>*</c>, <c>?</c>),
/// a name its list files cannot carry exactly (leading or trailing blanks, a backslash, which 7-Zip may take for a
/// separator) or two entries with one name (the single pass writes them in archive order; two processes would race)
/// leave the archive to the single pass.
/// </remarks>
internal static class SolidBlockLanes
{
    /// <summary>
    /// The files of each process, heaviest group first; null when the archive should be extracted in one pass (one
    /// block, one lane, an entry without a block, or a name the list files cannot carry).
    /// </summary>
    public static List<List<string>>? Plan(IReadOnlyList<SevenZipListedEntry> wanted, int lanes)
    {
        if (lanes < 2 || wanted.Any(e => e.Block is null || !CarriesExactly(e.Path)))
            return null;
        if (wanted.Select(e => e.Path).Distinct(StringComparer.OrdinalIgnoreCase).Count() != wanted.Count)
            return null;
        var blocks = wanted.GroupBy(e => e.Block!.Value)
            .Select(b => (Files: b.Select(e => e.Path).ToList(), Bytes: b.Sum(e => e.Size)))
            .OrderByDescending(b => b.Bytes).ThenBy(b => b.Files[0], StringComparer.Ordinal)
            .ToList();
        if (blocks.Count < 2)
            return null;
        // Largest block first, each to the lightest group: the groups end close together.
        int count = Math.Min(lanes, blocks.Count);
        var files = Enumerable.Range(0, count).Select(_ => new List<string>()).ToArray();
        var bytes = new long[count];
        foreach (var block in blocks)
        {
            int lightest = Array.IndexOf(bytes, bytes.Min());
            files[lightest].AddRange(block.Files);
            bytes[lightest] += block.Bytes;
        }
        return Enumerable.Range(0, count).OrderByDescending(k => bytes[k]).ThenBy(k => k).Select(k => files[k]).ToList();
    }

    private static bool CarriesExactly(string path) =>
        path.Length > 0 && path.IndexOfAny(['*', '?', '\\']) < 0 && path.Trim() == path && !path.Contains('\n') && !path.Contains('\r');
}
