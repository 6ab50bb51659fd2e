using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker.Parity;

/// <summary>SpeechPairs' result for one sampled clip: codes, or why there are none.</summary>
public sealed record OurClip(ClipTokens? Tokens, string? Error);

/// <summary>The comparison of one clip.</summary>
public sealed record ClipComparison(ParityClipResult Clip, IReadOnlyList<ParityDifference> Differences, CodeTally Vq02, CodeTally Vq06);

/// <summary>Compares SpeechPairs' codes with the reference's, code by code.</summary>
public static class ParityComparer
{
    /// <summary>
    /// A vq02 code may differ without being wrong where the reference's two nearest centroids are this close, relative to
    /// the runner-up's distance: float rounding on another BLAS or device can swap them. Anything wider is a real difference.
    /// </summary>
    public const double NearTieMargin = 1e-4;

    /// <summary>How messages write the margin.</summary>
    public const string NearTieMarginText = "1e-4";

    /// <summary>(d2 − d1) / d2 for the two smallest distances, nearest first; 0 when both are 0.</summary>
    public static double RelativeMargin(double nearest, double second) => second > 0 ? (second - nearest) / second : 0;

    public static ClipComparison Compare(ParityCandidate clip, ReferenceClip reference, OurClip ours)
    {
        var differences = new List<ParityDifference>();
        var theirs = reference.Error is null ? reference : null;
        var mine = ours.Tokens;
        long vq02Compared = 0, vq02Equal = 0, vq06Compared = 0, vq06Equal = 0;
        if (theirs is not null && mine is not null)
        {
            (vq02Compared, vq02Equal) = CompareCodes(clip.Pair.Id, ParityStream.Vq02, theirs.Vq02!, mine.Vq02, theirs, differences);
            (vq06Compared, vq06Equal) = CompareCodes(clip.Pair.Id, ParityStream.Vq06, theirs.Vq06!, mine.Vq06, null, differences);
            if (differences.Count == 0 && theirs.Tokens != mine.Tokens)
                differences.Add(StringDifference(clip.Pair.Id, theirs.Tokens!, mine.Tokens));
        }

        var status = (theirs, mine) switch
        {
            (null, null) => ClipParity.FailedBoth,
            (null, _) => ClipParity.ReferenceFailed,
            (_, null) => ClipParity.OursFailed,
            _ when differences.Count == 0 => ClipParity.Equal,
            _ when differences.All(d => d.NearTie) => ClipParity.NearTieOnly,
            _ => ClipParity.Differs,
        };
        var result = new ParityClipResult(clip.Pair.Id, clip.Pair.RelWav, clip.Folder, clip.Seconds, status,
            theirs?.Vq02!.Length, mine?.Vq02.Length, theirs?.Vq06!.Length, mine?.Vq06.Length, differences.Count,
            reference.Error, ours.Error);
        return new ClipComparison(result, differences, new CodeTally(vq02Compared, vq02Equal), new CodeTally(vq06Compared, vq06Equal));
    }

    private static (long Compared, long Equal) CompareCodes(string id, ParityStream stream, int[] reference, int[] ours,
        ReferenceClip? margins, List<ParityDifference> differences)
    {
        var compared = Math.Max(reference.Length, ours.Length);
        var equal = 0;
        for (var frame = 0; frame < compared; frame++)
        {
            int? theirs = frame < reference.Length ? reference[frame] : null;
            int? mine = frame < ours.Length ? ours[frame] : null;
            if (theirs == mine)
            {
                equal++;
                continue;
            }

            double? margin = null;
            int? runnerUp = null;
            if (theirs is not null && margins?.Vq02Top2 is { } top2)
                margin = RelativeMargin(top2[frame][0], top2[frame][1]);
            if (theirs is not null && margins?.Vq02Top2Index is { } index)
                runnerUp = (int)index[frame][1];
            // Only a swap between the two nearest centroids is a near-tie; a third centroid or a missing code never is.
            var nearTie = mine is not null && margin < NearTieMargin && (runnerUp is null || runnerUp == mine);
            differences.Add(new ParityDifference(id, stream, frame, theirs, mine, margin, runnerUp, nearTie));
        }

        return (compared, equal);
    }

    private static ParityDifference StringDifference(string id, string reference, string ours)
    {
        var theirs = reference.Split('>');
        var mine = ours.Split('>');
        var index = 0;
        while (index < theirs.Length && index < mine.Length && theirs[index] == mine[index])
            index++;
        return new ParityDifference(id, ParityStream.Tokens, index, null, null, null, null, NearTie: false);
    }
}
