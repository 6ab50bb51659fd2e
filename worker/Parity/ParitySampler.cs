using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Parity;

/// <summary>A pair that may be sampled, with its duration from the WAV header.</summary>
public sealed record ParityCandidate(ClipPair Pair, double Seconds)
{
    /// <summary>The pair's folder ('/' separators, "" at the top): clips of one folder are usually one speaker.</summary>
    public string Folder => Pair.RelWav.LastIndexOf('/') is var slash and >= 0 ? Pair.RelWav[..slash] : "";
}

/// <summary>
/// Picks the clips a parity check tokenizes twice. The same candidates, count and seed always give the same sample,
/// so a recorded reference output can be compared again later, on another machine.
/// </summary>
public static class ParitySampler
{
    /// <summary>
    /// The shortest clip, the longest, and one clip from each of <c>count − 2</c> strata of equal clip count in duration
    /// order, so the sample follows the durations the job really has; within a stratum the pick goes to a folder sampled
    /// least so far, the seed choosing among those. Ties in duration go by path. All candidates when there are no more
    /// than <paramref name="count"/>. Returned in duration order.
    /// </summary>
    public static IReadOnlyList<ParityCandidate> Pick(IReadOnlyList<ParityCandidate> candidates, int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var byDuration = candidates.OrderBy(c => c.Seconds).ThenBy(c => c.Pair.RelWav, StringComparer.Ordinal).ToList();
        if (byDuration.Count <= count)
            return byDuration;
        if (count == 0)
            return [];

        var picks = new List<ParityCandidate> { byDuration[0] };
        if (count >= 2)
            picks.Add(byDuration[^1]);
        var folderUse = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pick in picks)
            folderUse[pick.Folder] = folderUse.GetValueOrDefault(pick.Folder) + 1;

        // Every stratum holds at least one clip: there are byDuration.Count − 2 > count − 2 of them to share.
        var middle = byDuration.GetRange(1, byDuration.Count - 2);
        var strata = count - 2;
        var random = new SplitMix64(seed);
        for (var s = 0; s < strata; s++)
        {
            var start = (int)((long)s * middle.Count / strata);
            var end = (int)((long)(s + 1) * middle.Count / strata);
            var stratum = middle.GetRange(start, end - start);
            var leastUse = stratum.Min(c => folderUse.GetValueOrDefault(c.Folder));
            var choices = stratum.Where(c => folderUse.GetValueOrDefault(c.Folder) == leastUse).ToList();
            var pick = choices[random.NextIndex(choices.Count)];
            picks.Add(pick);
            folderUse[pick.Folder] = folderUse.GetValueOrDefault(pick.Folder) + 1;
        }

        return picks.OrderBy(c => c.Seconds).ThenBy(c => c.Pair.RelWav, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// SplitMix64 (Steele, Lea and Flood 2014): a fixed, published generator, so the sample never depends on the
    /// runtime's <see cref="Random"/> and can be reproduced from its seed anywhere.
    /// </summary>
    private sealed class SplitMix64(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int NextIndex(int count) => (int)(Next() % (ulong)count);
    }
}
