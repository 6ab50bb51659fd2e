namespace SpeechPairs.Worker;

/// <summary>What one walk of the extract dir found.</summary>
/// <param name="Pairs">Every pair, sorted by <see cref="ClipPair.RelWav"/> (ordinal, '/' separators).</param>
/// <param name="UnpairedWav">WAV files without a transcript (not errors, only reported).</param>
/// <param name="UnpairedLab">Transcripts without a WAV.</param>
/// <param name="PlaceholderPairsExcluded">Pairs dropped because a folder on their path is <see cref="PairFinder.PlaceholderFolder"/>.</param>
public sealed record PairScan(IReadOnlyList<ClipPair> Pairs, int UnpairedWav, int UnpairedLab, int PlaceholderPairsExcluded);

/// <summary>Finds the (.wav, .lab) pairs under an extract dir.</summary>
public static class PairFinder
{
    /// <summary>The folder of template lines with variables in the Genshin archive, dropped by <c>--exclude-placeholder</c>.</summary>
    public const string PlaceholderFolder = "带变量语音 - Placeholder";

    /// <summary>
    /// Walks <paramref name="extractDir"/> once. A pair is a <c>.wav</c> and a <c>.lab</c> (extensions matched case-insensitively)
    /// whose paths differ only in the extension. If one stem has several WAVs (or transcripts) that differ only in extension
    /// case, the ordinal-first is paired and the others count as unpaired.
    /// </summary>
    public static PairScan Find(string extractDir, bool excludePlaceholder)
    {
        var root = Path.GetFullPath(extractDir);
        var wavs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var labs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        // Hidden files and every subfolder count (as os.walk sees them); an unreadable folder fails the walk rather than
        // silently shrinking the pair list, which would shift every later pair to another shard.
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = false,
            AttributesToSkip = 0,
            MatchType = MatchType.Simple,
        };
        foreach (var fullPath in Directory.EnumerateFiles(root, "*", options))
        {
            var relative = ToRelative(root, fullPath);
            var extension = Path.GetExtension(relative);
            var byStem = extension.Equals(".wav", StringComparison.OrdinalIgnoreCase) ? wavs
                : extension.Equals(".lab", StringComparison.OrdinalIgnoreCase) ? labs
                : null;
            if (byStem is null)
                continue;
            var stem = relative[..^extension.Length];
            if (!byStem.TryGetValue(stem, out var files))
                byStem[stem] = files = new List<string>(1);
            files.Add(relative);
        }

        var pairs = new List<ClipPair>(Math.Min(wavs.Count, labs.Count));
        int unpairedWav = 0, unpairedLab = 0, placeholderPairs = 0;
        foreach (var (stem, wavFiles) in wavs)
        {
            var excluded = excludePlaceholder && IsUnderPlaceholder(stem);
            labs.TryGetValue(stem, out var labFiles);
            if (labFiles is null)
            {
                if (!excluded)
                    unpairedWav += wavFiles.Count;
                continue;
            }

            if (excluded)
            {
                placeholderPairs++;
                continue;
            }

            wavFiles.Sort(StringComparer.Ordinal);
            labFiles.Sort(StringComparer.Ordinal);
            unpairedWav += wavFiles.Count - 1;
            unpairedLab += labFiles.Count - 1;
            pairs.Add(new ClipPair(stem, wavFiles[0], labFiles[0], ToFull(root, wavFiles[0]), ToFull(root, labFiles[0])));
        }

        foreach (var (stem, labFiles) in labs)
        {
            if (!wavs.ContainsKey(stem) && !(excludePlaceholder && IsUnderPlaceholder(stem)))
                unpairedLab += labFiles.Count;
        }

        pairs.Sort((a, b) => string.CompareOrdinal(a.RelWav, b.RelWav));
        return new PairScan(pairs, unpairedWav, unpairedLab, placeholderPairs);
    }

    /// <summary>Whether a folder on this relative path (without extension) is the placeholder folder.</summary>
    internal static bool IsUnderPlaceholder(string relativeStem)
    {
        var folders = relativeStem.Split('/');
        for (var i = 0; i < folders.Length - 1; i++)
        {
            if (folders[i] == PlaceholderFolder)
                return true;
        }

        return false;
    }

    private static string ToRelative(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        // Only the platform's separator is one; on Linux a backslash is an ordinary file-name character.
        return Path.DirectorySeparatorChar == '/' ? relative : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static string ToFull(string root, string relative) =>
        Path.Combine(root, Path.DirectorySeparatorChar == '/' ? relative : relative.Replace('/', Path.DirectorySeparatorChar));
}
