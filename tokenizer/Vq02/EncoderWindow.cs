using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// What one pass of the layer-major encoder covers: a group of whole clips, or (for a clip too long for one pass)
/// a run of its consecutive pieces, carrying each layer's key/value cache in from the run before.
/// </summary>
/// <remarks>
/// Windows bound the encoder's memory to a constant (a 60-minute clip needs no more than a 1-minute one) and keep its
/// matrices small enough to stay in cache, which is also faster. A clip's frames do not depend on its windows: row
/// results do not depend on how many rows share a product (<see cref="EncoderBatchPlan.MinRows"/>), and the carried
/// keys and values are the very rows the next piece would have read.
/// </remarks>
internal sealed record EncoderWindow(IReadOnlyList<Vq02Features> Clips, int FirstPiece, int PieceCount, int CarriedRows)
{
    /// <summary>True for a run of one clip's pieces; false for whole clips.</summary>
    public bool IsPartial => PieceCount > 0;

    /// <summary>The clip goes on in a later part (see <see cref="EncoderCarry"/>): the last window hands its cache on too.</summary>
    public bool ClipGoesOn { get; init; }

    /// <summary>Layer rows a piece of <paramref name="newFrames"/> frames takes (its overlap plus its own).</summary>
    public static int RowsOf(int newFrames) => EncoderBatchPlan.OverlapFrames + newFrames;

    /// <summary>
    /// Cuts <paramref name="clips"/> into windows of at most <paramref name="maxRows"/> layer rows, in clip order: whole
    /// clips are grouped; a longer clip gets windows of its own. Piece counts only; carried rows are known once the
    /// window before has been planned (<see cref="EncoderLanes"/> fills them in).
    /// </summary>
    /// <remarks>
    /// Sized so that <paramref name="lanes"/> lanes finish together. Groups of whole clips shrink towards the end of
    /// the batch (each about what is left divided by twice the lanes, at least <see cref="TailRows"/>), so the last
    /// windows are small whichever lane takes them; a long clip's windows, which run as a wavefront, are as many as it
    /// needs rounded up to a multiple of the lanes and as equal as whole pieces allow. Filling every window to the
    /// limit left one lane idle while another finished the last one: a 60 s clip in 2 lanes was 1 017 + 1 017 +
    /// 216 rows, one lane doing 55 % of the work.
    /// </remarks>
    public static IEnumerable<EncoderWindow> Split(IReadOnlyList<Vq02Features> clips, int maxRows, int lanes = 1)
    {
        if (maxRows < 1 || lanes < 1) throw new ArgumentOutOfRangeException(nameof(maxRows), "windows need at least one row and one lane");
        return SplitClips(clips, maxRows, lanes);
    }

    /// <summary>The windows of one part of a long clip: always runs of its pieces, so that a cache can enter the first and leave the last.</summary>
    public static IEnumerable<EncoderWindow> SplitPart(Vq02Features part, int maxRows, int lanes, bool clipGoesOn) =>
        SplitLongClip(part, maxRows, Math.Max(1, lanes)).Select(w => w with { ClipGoesOn = clipGoesOn });

    private static IEnumerable<EncoderWindow> SplitClips(IReadOnlyList<Vq02Features> clips, int maxRows, int lanes)
    {
        var rows = clips.Select(c => c.PieceLengths.Sum(RowsOf)).ToArray();
        long left = rows.Sum(r => (long)r);
        var group = new List<Vq02Features>();
        int groupRows = 0;
        for (int i = 0; i < clips.Count; i++)
        {
            if (rows[i] > maxRows)
            {
                if (group.Count > 0) yield return new EncoderWindow(group, 0, 0, 0);
                (group, groupRows) = ([], 0);
                foreach (var window in SplitLongClip(clips[i], maxRows, lanes)) yield return window;
                left -= rows[i];
                continue;
            }
            if (group.Count > 0)
            {
                // Rows left from this group's start on, shared by the lanes.
                double target = Math.Clamp((left + groupRows) / (2.0 * lanes), Math.Min(TailRows, maxRows), maxRows);
                if (groupRows + rows[i] > maxRows || Nearer(groupRows, groupRows + rows[i], target))
                {
                    yield return new EncoderWindow(group, 0, 0, 0);
                    (group, groupRows) = ([], 0);
                }
            }
            group.Add(clips[i]);
            groupRows += rows[i];
            left -= rows[i];
        }
        if (group.Count > 0) yield return new EncoderWindow(group, 0, 0, 0);
    }

    /// <summary>
    /// The smallest window a group is cut to near the end of a batch. A layer's four products ran as fast on 256 rows
    /// as on 1 024 (one Xeon thread), 14 % slower on 64.
    /// </summary>
    public const int TailRows = 256;

    // A clip longer than one window: runs of consecutive pieces, as equal as whole pieces allow.
    private static IEnumerable<EncoderWindow> SplitLongClip(Vq02Features clip, int maxRows, int lanes)
    {
        var pieces = clip.PieceLengths;
        int total = pieces.Sum(RowsOf);
        double share = total / (double)Windows(total, maxRows, lanes);
        long done = 0;
        for (int first = 0, made = 0; first < pieces.Length; made++)
        {
            double boundary = (made + 1) * share;
            int count = 0, windowRows = 0;
            while (first + count < pieces.Length)
            {
                int next = RowsOf(pieces[first + count]);
                if (count > 0 && (windowRows + next > maxRows || Nearer(done + windowRows, done + windowRows + next, boundary))) break;
                windowRows += next;
                count++;
            }
            yield return new EncoderWindow([clip], first, count, 0);
            first += count;
            done += windowRows;
        }
    }

    // Windows for this many rows: what maxRows needs, rounded up to a multiple of the lanes.
    private static long Windows(long rows, int maxRows, int lanes)
    {
        long needed = Math.Max(1, (rows + maxRows - 1) / maxRows);
        return (needed + lanes - 1) / lanes * lanes;
    }

    // Whether ending a window at `without` lies at least as near the boundary as ending it at `with`.
    private static bool Nearer(double without, double with, double boundary) => Math.Abs(without - boundary) <= Math.Abs(with - boundary);
}
