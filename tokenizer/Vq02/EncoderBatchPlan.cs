using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// Row bookkeeping for running the streaming encoder layer by layer over every piece of a window: whole clips, or a
/// run of consecutive pieces of one long clip (see <see cref="EncoderWindow"/>).
/// </summary>
/// <remarks>
/// The reference steps the encoder one piece at a time. Piece p's input is its new LFR frames prefixed by the
/// 5 frames before them (zeros before the first piece); its layer-l attention sees its own keys/values plus
/// the layer-l keys/values that earlier pieces cached (from each earlier piece its first N rows, N = its new
/// frames; the cache is cut to the newest 16 rows whenever a piece appends to it, so piece 1 still sees all of
/// piece 0's); its FSMN memory sees only its own rows. All inputs are known once the front end has run, and
/// layer l of piece p needs only layer l of earlier pieces, so one layer can run for all pieces at once:
/// row-wise work becomes a few large matrix products, attention runs per group of pieces with the same
/// (cached rows, own rows) shape — no padded keys, so softmax sums exactly the same terms.
/// <para>
/// Key rows live in their own index space: first the rows a window of a long clip carries in from the window before
/// it (each layer's cache entering its first piece, <see cref="CarriedRows"/> of them), then the window's layer rows.
/// </para>
/// </remarks>
internal sealed class EncoderBatchPlan
{
    public const int OverlapFrames = Vq02Features.PrecedingFrames;
    public const int CacheRows = 4 * 4;    // encoder_chunk_look_back × chunk_size[1]

    /// <summary>Small products round differently in BLAS; never let a batch run fewer rows than this.</summary>
    public const int MinRows = 64;

    /// <summary>A plan for <paramref name="window"/>: its whole clips, or its pieces of one clip.</summary>
    public EncoderBatchPlan(EncoderWindow window)
    {
        var sourceRows = new List<long>();   // per layer row: row of the embedded-input matrix it starts from
        var attention = new Dictionary<(int Cached, int Own), (List<long> Queries, List<long> Keys)>();
        var fsmn = new Dictionary<int, List<long>>();
        var keptRows = new List<long>();
        var clips = window.Clips;
        ClipFrames = new int[clips.Count];
        CarriedRows = window.CarriedRows;
        int carried = window.CarriedRows;

        int embeddedBase = 0;  // first row of this clip's block in the embedded matrix: 5 zero rows, then its frames
        List<long>? cache = null;
        for (int c = 0; c < clips.Count; c++)
        {
            var clip = clips[c];
            int firstPiece = window.FirstPiece, pieceEnd = window.IsPartial ? firstPiece + window.PieceCount : clip.PieceLengths.Length;
            int frameOffset = clip.PieceLengths.Take(firstPiece).Sum();
            cache = carried > 0 ? Enumerable.Range(0, carried).Select(i => (long)i).ToList() : null;
            for (int p = firstPiece; p < pieceEnd; p++)
            {
                int n = clip.PieceLengths[p];
                int own = OverlapFrames + n;
                long first = sourceRows.Count;
                for (int i = 0; i < own; i++) sourceRows.Add(embeddedBase + frameOffset + i);

                var keys = new List<long>(cache ?? []);
                for (int i = 0; i < own; i++) keys.Add(carried + first + i);
                var key = (cache?.Count ?? 0, own);
                if (!attention.TryGetValue(key, out var group)) attention[key] = group = ([], []);
                for (int i = 0; i < own; i++) group.Queries.Add(first + i);
                group.Keys.AddRange(keys);

                if (!fsmn.TryGetValue(own, out var fsmnGroup)) fsmn[own] = fsmnGroup = [];
                for (int i = 0; i < own; i++) fsmnGroup.Add(first + i);

                for (int i = 0; i < n; i++) keptRows.Add(first + OverlapFrames + i);

                // The cache for the next piece: the first n rows of this one appended; cut only when appending.
                var stride = Enumerable.Range(0, n).Select(i => carried + first + i);
                cache = cache is null
                    ? stride.ToList()
                    : cache.Concat(stride).TakeLast(CacheRows).ToList();
                frameOffset += n;
                ClipFrames[c] += n;
            }
            embeddedBase += OverlapFrames + clip.Frames;
        }

        EmbeddedRows = embeddedBase;
        Rows = sourceRows.Count;
        PaddedRows = Math.Max(Rows, MinRows);
        SourceRows = sourceRows.ToArray();
        AttentionGroups = attention
            .OrderBy(g => g.Key.Cached).ThenBy(g => g.Key.Own)
            .Select(g => new AttentionGroup(g.Key.Cached, g.Key.Own, g.Value.Queries.Count / g.Key.Own, g.Value.Queries.ToArray(), g.Value.Keys.ToArray()))
            .ToArray();
        FsmnGroups = fsmn.OrderBy(g => g.Key).Select(g => new FsmnGroup(g.Key, g.Value.Count / g.Key, g.Value.ToArray())).ToArray();
        KeptRows = keptRows.ToArray();
        OutgoingCache = window.IsPartial && (window.FirstPiece + window.PieceCount < clips[0].PieceLengths.Length || window.ClipGoesOn) ? cache?.ToArray() : null;
    }

    /// <summary>Rows of the embedded input matrix (per clip: 5 zero rows, then its frames).</summary>
    public int EmbeddedRows { get; }

    /// <summary>Layer rows: every piece's overlap + own frames, pieces in clip order.</summary>
    public int Rows { get; }

    /// <summary><see cref="Rows"/> padded with unused zero rows up to <see cref="MinRows"/>.</summary>
    public int PaddedRows { get; }

    public long[] SourceRows { get; }

    /// <summary>Key rows carried in from the previous window of the same clip (they come first in the key space).</summary>
    public int CarriedRows { get; }

    public AttentionGroup[] AttentionGroups { get; }

    public FsmnGroup[] FsmnGroups { get; }

    /// <summary>Layer rows that are outputs: the new frames of every piece, in clip order.</summary>
    public long[] KeptRows { get; }

    /// <summary>Kept frames per clip of the window.</summary>
    public int[] ClipFrames { get; }

    /// <summary>Key rows (key space) the next window of this clip carries in (also the next part's first); null when none follows.</summary>
    public long[]? OutgoingCache { get; }

    /// <summary>Pieces sharing one attention shape: <paramref name="Count"/> pieces × <paramref name="Own"/> query rows, each against <paramref name="Cached"/> + <paramref name="Own"/> key rows (key space).</summary>
    public sealed record AttentionGroup(int Cached, int Own, int Count, long[] QueryRows, long[] KeyRows);

    /// <summary>Pieces of one length, for the piece-local FSMN convolution.</summary>
    public sealed record FsmnGroup(int Own, int Count, long[] Rows);
}
