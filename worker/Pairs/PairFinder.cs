using System.Text;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Pairs;

/// <summary>What one walk of the extract dir found.</summary>
/// <param name="Pairs">Every pair, sorted by <see cref="ClipPair.RelWav"/> as the archive spells it (ordinal, '/' separators).</param>
/// <param name="Unpaired">
/// Every <c>.wav</c> and <c>.lab</c> in no pair (not errors, only reported), relative paths as the archive spells them,
/// ordinal order; files under an excluded placeholder folder are not listed.
/// </param>
/// <param name="PlaceholderPairsExcluded">Pairs dropped because a folder on their path is <see cref="PairFinder.PlaceholderFolder"/>.</param>
public sealed record PairScan(IReadOnlyList<ClipPair> Pairs, IReadOnlyList<string> Unpaired, int PlaceholderPairsExcluded)
{
    /// <summary>WAV files without a transcript.</summary>
    public int UnpairedWav => Unpaired.Count(PairFinder.IsWav);

    /// <summary>Transcripts without a WAV.</summary>
    public int UnpairedLab => Unpaired.Count - UnpairedWav;

    /// <summary>Pairs refused because their ids collide (<see cref="ErrorKinds.IdCollision"/>).</summary>
    public int IdCollisions => Pairs.Count(p => p.Error is not null);
}

/// <summary>Finds the (.wav, .lab) pairs under an extract dir.</summary>
public static class PairFinder
{
    /// <summary>The folder of template lines with variables in the Genshin archive, dropped by <c>--exclude-placeholder</c>.</summary>
    public const string PlaceholderFolder = "带变量语音 - Placeholder";

    /// <summary>
    /// Walks <paramref name="extractDir"/> once. A pair is a <c>.wav</c> and a <c>.lab</c> (extensions matched
    /// case-insensitively) whose paths differ only in the extension once both are in Unicode NFC: on Linux a name is the
    /// bytes the archive gave it, and an archive made on a Mac spells names in NFD, often beside NFC ones.
    /// <list type="bullet">
    /// <item>Within one NFC stem, files of the same spelling pair first; of the spellings left, a lone WAV spelling pairs
    /// with a lone transcript spelling. Files of one spelling that differ only in extension case: the ordinal-first pairs.</item>
    /// <item>The id is the NFC stem. When one NFC stem yields several pairs (NFC and NFD twins), their records would
    /// carry ids that print alike: none is kept, each becomes an <see cref="ErrorKinds.IdCollision"/> error naming the others.</item>
    /// <item>Everything else is unpaired and listed by name.</item>
    /// </list>
    /// </summary>
    public static PairScan Find(string extractDir, bool excludePlaceholder)
    {
        var root = Path.GetFullPath(extractDir);
        var byStem = new Dictionary<string, StemFiles>(StringComparer.Ordinal);
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
            var isWav = IsWav(relative);
            if (!isWav && !relative.EndsWith(".lab", StringComparison.OrdinalIgnoreCase))
                continue;
            var key = Nfc(StemOf(relative));
            if (!byStem.TryGetValue(key, out var files))
                byStem[key] = files = new StemFiles();
            (isWav ? files.Wavs : files.Labs).Add(relative);
        }

        var pairs = new List<ClipPair>(byStem.Count);
        var unpaired = new List<string>();
        int placeholderPairs = 0;
        foreach (var (key, files) in byStem)
        {
            var (found, left) = PairUp(files);
            if (excludePlaceholder && IsUnderPlaceholder(key))
            {
                placeholderPairs += found.Count;
                continue;
            }

            unpaired.AddRange(left);
            if (found.Count == 1)
            {
                var (wav, lab) = found[0];
                pairs.Add(new ClipPair(key, wav, lab, ToFull(root, wav), ToFull(root, lab)));
                continue;
            }

            foreach (var (wav, lab) in found)
                pairs.Add(new ClipPair(StemOf(wav), wav, lab, ToFull(root, wav), ToFull(root, lab), CollisionError(wav, found)));
        }

        // The archive's spelling orders the pairs, not the NFC id: the merge orders shard lines by the rel_wav they carry.
        pairs.Sort((a, b) => string.CompareOrdinal(a.RelWav, b.RelWav));
        unpaired.Sort(StringComparer.Ordinal);
        return new PairScan(pairs, unpaired, placeholderPairs);
    }

    /// <summary>Whether a relative path names a WAV (extension case-insensitive).</summary>
    public static bool IsWav(string relative) => relative.EndsWith(".wav", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path, followed by its normal form when that is not NFC: NFC and NFD names print alike.</summary>
    public static string Spelled(string relative) => FormOf(relative) is var form && form == "NFC" ? relative : $"{relative} ({form})";

    /// <summary><c>NFC</c>, <c>NFD</c>, or <c>mixed</c> (neither; also a name that cannot be normalised).</summary>
    public static string FormOf(string text)
    {
        try
        {
            return text.IsNormalized(NormalizationForm.FormC) ? "NFC" : text.IsNormalized(NormalizationForm.FormD) ? "NFD" : "mixed";
        }
        catch (ArgumentException)
        {
            return "mixed";
        }
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

    /// <summary>The pairs one NFC stem makes, and the files it leaves unpaired.</summary>
    private static (List<(string Wav, string Lab)> Pairs, List<string> Left) PairUp(StemFiles files)
    {
        if (files.Wavs.Count == 0 || files.Labs.Count == 0)
            return ([], [.. files.Wavs, .. files.Labs]);
        if (files.Wavs.Count == 1 && files.Labs.Count == 1)
            return ([(files.Wavs[0], files.Labs[0])], []);

        var pairs = new List<(string Wav, string Lab)>();
        var left = new List<string>();
        void Take(List<string> wavs, List<string> labs)
        {
            pairs.Add((wavs[0], labs[0]));
            left.AddRange(wavs.Skip(1));
            left.AddRange(labs.Skip(1));
        }

        var labSpellings = BySpelling(files.Labs);
        var loneWavs = new List<List<string>>();
        foreach (var (stem, wavs) in BySpelling(files.Wavs))
        {
            if (labSpellings.Remove(stem, out var labs))
                Take(wavs, labs);
            else
                loneWavs.Add(wavs);
        }

        if (loneWavs.Count == 1 && labSpellings.Count == 1)
            Take(loneWavs[0], labSpellings.Values.First());
        else
        {
            // Several spellings on a side: which WAV a transcript belongs to cannot be told, so none is guessed.
            left.AddRange(loneWavs.SelectMany(w => w));
            left.AddRange(labSpellings.Values.SelectMany(l => l));
        }

        return (pairs, left);
    }

    /// <summary>Files by stem as spelled, each list ordinal (extension case only differs within one), spellings ordinal.</summary>
    private static SortedDictionary<string, List<string>> BySpelling(List<string> files)
    {
        var bySpelling = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var stem = StemOf(file);
            if (!bySpelling.TryGetValue(stem, out var list))
                bySpelling[stem] = list = [];
            list.Add(file);
        }

        foreach (var list in bySpelling.Values)
            list.Sort(StringComparer.Ordinal);
        return bySpelling;
    }

    /// <summary>The error of one of several pairs with one NFC id: names the other WAVs and says which spelling is which.</summary>
    private static string CollisionError(string relWav, List<(string Wav, string Lab)> group)
    {
        var others = group.Select(p => p.Wav).Where(w => w != relWav).Order(StringComparer.Ordinal).Select(w => $"{w} ({FormOf(w)})");
        return ErrorKinds.Error(ErrorKinds.IdCollision, $"same NFC id as {string.Join(", ", others)}; this name is {FormOf(relWav)}");
    }

    /// <summary>The NFC form; a name that cannot be normalised (invalid UTF-16) pairs by its exact spelling.</summary>
    private static string Nfc(string text)
    {
        try
        {
            return text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            return text;
        }
    }

    /// <summary>The relative path without its extension (<c>.wav</c> and <c>.lab</c> are both four characters).</summary>
    private static string StemOf(string relative) => relative[..^4];

    private static string ToRelative(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        // Only the platform's separator is one; on Linux a backslash is an ordinary file-name character.
        return Path.DirectorySeparatorChar == '/' ? relative : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static string ToFull(string root, string relative) =>
        Path.Combine(root, Path.DirectorySeparatorChar == '/' ? relative : relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The WAVs and transcripts whose stems have one NFC form.</summary>
    private sealed class StemFiles
    {
        public List<string> Wavs { get; } = new(1);

        public List<string> Labs { get; } = new(1);
    }
}
