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

    /// <summary>Layer rows a piece of <paramref name="newFrames"/> frames takes (its overlap plus its own).</summary>
    public static int RowsOf(int newFrames) => EncoderBatchPlan.OverlapFrames + newFrames;

    /// <summary>
    /// Cuts <paramref name="clips"/> into windows of at most <paramref name="maxRows"/> layer rows, in clip order: whole
    /// clips are grouped while they fit; a longer clip gets windows of its own. Piece counts only; carried rows are
    /// known once the window before has been planned (<see cref="EncoderLanes"/> fills them in).
    /// </summary>
    public static IEnumerable<EncoderWindow> Split(IReadOnlyList<Vq02Features> clips, int maxRows)
    {
        var group = new List<Vq02Features>();
        int groupRows = 0;
        foreach (var clip in clips)
        {
            int rows = clip.PieceLengths.Sum(RowsOf);
            if (rows > maxRows)
            {
                if (group.Count > 0) yield return new EncoderWindow(group, 0, 0, 0);
                group = [];
                groupRows = 0;
                for (int first = 0; first < clip.PieceLengths.Length;)
                {
                    int count = 0, windowRows = 0;
                    while (first + count < clip.PieceLengths.Length
                           && (count == 0 || windowRows + RowsOf(clip.PieceLengths[first + count]) <= maxRows))
                        windowRows += RowsOf(clip.PieceLengths[first + count++]);
                    yield return new EncoderWindow([clip], first, count, 0);
                    first += count;
                }
                continue;
            }
            if (group.Count > 0 && groupRows + rows > maxRows)
            {
                yield return new EncoderWindow(group, 0, 0, 0);
                group = [];
                groupRows = 0;
            }
            group.Add(clip);
            groupRows += rows;
        }
        if (group.Count > 0) yield return new EncoderWindow(group, 0, 0, 0);
    }
}
