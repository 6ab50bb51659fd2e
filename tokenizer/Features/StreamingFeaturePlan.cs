namespace SpeechPairs.Tokenizer.Features;

/// <summary>
/// Which fbank frames FunASR's online front end (<c>WavFrontendOnline</c> driven by
/// <c>ParaformerStreaming.infer_encoder</c> with is_final) stacks into which LFR frames, piece by piece.
/// It depends only on the clip length, so it is computed from indices alone and the features are gathered
/// afterwards from the clip's fbank.
/// </summary>
/// <remarks>
/// Reference behaviour reproduced here, all of it observable in the fixtures' length sweep:
/// the clip is fed in pieces of 3840 samples (len // 3840 + 1 of them, the last possibly short or empty; an
/// empty last piece ends the loop before the front end sees it, so the splice cache is never flushed);
/// samples that do not fill a 25 ms frame wait for the next piece; the very first fbank frame is repeated
/// three times on the left; LFR windows of 7 frames every 6 that are incomplete wait in the splice cache,
/// except on the last piece, where the last frame is repeated to pad them; a last piece whose frames plus
/// the splice cache are fewer than 7 yields nothing; and a last piece of fewer than 480 samples whose front
/// end raises is skipped (upstream prints "Warning!!!, skip N samples").
/// </remarks>
public sealed class StreamingFeaturePlan
{
    /// <summary>Samples per piece: chunk_size[1] (4) × 960.</summary>
    public const int PieceSamples = 3840;
    private const int SkippableTailSamples = 480;

    private StreamingFeaturePlan(IReadOnlyList<int[][]> pieces, int fbankFrames, int? skippedTailSamples)
    {
        Pieces = pieces;
        FbankFrames = fbankFrames;
        SkippedTailSamples = skippedTailSamples;
    }

    /// <summary>Per encoder piece, its LFR frames, each given as the m fbank frame indices it stacks.</summary>
    public IReadOnlyList<int[][]> Pieces { get; }

    /// <summary>How many leading fbank frames of the clip the plan reads.</summary>
    public int FbankFrames { get; }

    /// <summary>Set when the reference skips a short last piece (its length in samples).</summary>
    public int? SkippedTailSamples { get; }

    public int LfrFrameCount => Pieces.Sum(p => p.Length);

    /// <summary>The plan for a clip of <paramref name="sampleCount"/> 16 kHz samples and LFR stacking m/n (FunASR: 7/6).</summary>
    public static StreamingFeaturePlan For(long sampleCount, int lfrM = 7, int lfrN = 6)
    {
        var walk = new Walk(sampleCount, lfrM, lfrN);
        var pieces = walk.Pieces().ToList();
        return new StreamingFeaturePlan(pieces, walk.FbankFrames, walk.SkippedTailSamples);
    }

    /// <summary>
    /// The plan piece by piece, for a clip too long to plan at once: <see cref="Pieces"/> yields each piece's LFR frames
    /// (as <see cref="StreamingFeaturePlan.Pieces"/> lists them) and throws where <see cref="For"/> throws; the rest is
    /// known once it has ended.
    /// </summary>
    public sealed class Walk(long sampleCount, int lfrM = 7, int lfrN = 6)
    {
        /// <summary>Fbank frames read so far (all of them once <see cref="Pieces"/> has ended).</summary>
        public int FbankFrames { get; private set; }

        /// <summary>Set when the reference skips a short last piece (its length in samples).</summary>
        public int? SkippedTailSamples { get; private set; }

        public IEnumerable<int[][]> Pieces()
        {
            int leftRepeat = (lfrM - 1) / 2;
            long pieceCount = sampleCount / PieceSamples + 1;
            long leftover = 0;      // samples waiting in the input cache
            List<int>? splice = null;

            for (long p = 0; p < pieceCount; p++)
            {
                bool isFinal = p == pieceCount - 1;
                int pieceLength = (int)Math.Min(PieceSamples, sampleCount - p * PieceSamples);
                if (isFinal && pieceLength == 0) yield break;

                long available = leftover + pieceLength;
                int frameCount = KaldiFbank.FrameCount(available);
                leftover = available - (long)frameCount * KaldiFbank.WindowShift;
                var newFrames = Enumerable.Range(FbankFrames, frameCount).ToList();
                FbankFrames += frameCount;

                int[][]? lfr = [];
                bool frontendRaised = false;
                if (frameCount > 0)
                {
                    splice ??= Enumerable.Repeat(newFrames[0], leftRepeat).ToList();
                    if (frameCount + splice.Count >= lfrM)
                    {
                        lfr = ApplyLfr(splice.Concat(newFrames).ToList(), lfrM, lfrN, isFinal, out splice);
                        frontendRaised = lfr is null;
                    }
                    else
                    {
                        splice.AddRange(newFrames); // too few frames: all wait in the splice cache
                    }
                }
                else if (isFinal)
                {
                    // Flush the splice cache; with nothing cached the reference's torch.stack raises.
                    lfr = splice is null ? null : ApplyLfr(splice, lfrM, lfrN, isFinal: true, out splice);
                    frontendRaised = lfr is null;
                }

                if (frontendRaised || lfr is null)
                {
                    if (isFinal && pieceLength < SkippableTailSamples)
                    {
                        SkippedTailSamples = pieceLength;
                        yield break;
                    }
                    throw new InvalidOperationException($"the reference front end fails on a {sampleCount}-sample clip at piece {p} (upstream: 'infer failed')");
                }
                if (lfr.Length == 0)
                {
                    if (isFinal) yield break;
                    throw new InvalidOperationException($"piece {p} of a {sampleCount}-sample clip yields no LFR frames before the last piece (upstream crashes in the encoder)");
                }
                yield return lfr;
            }
        }
    }

    // FunASR WavFrontendOnline.apply_lfr; returns null where the reference's vstack of no frames raises.
    private static int[][]? ApplyLfr(List<int> frames, int lfrM, int lfrN, bool isFinal, out List<int> splice)
    {
        int t = frames.Count;
        int tLfr = (int)Math.Ceiling((t - (lfrM - 1) / 2) / (double)lfrN);
        var outputs = new List<int[]>();
        int spliceIndex = Math.Max(tLfr, 0);
        for (int i = 0; i < tLfr; i++)
        {
            int remaining = t - i * lfrN;
            if (lfrM <= remaining)
            {
                outputs.Add(frames.GetRange(i * lfrN, lfrM).ToArray());
            }
            else if (isFinal)
            {
                var padded = frames.GetRange(i * lfrN, remaining);
                padded.AddRange(Enumerable.Repeat(frames[^1], lfrM - remaining));
                outputs.Add(padded.ToArray());
            }
            else
            {
                spliceIndex = i;
                break;
            }
        }
        spliceIndex = Math.Min(t - 1, spliceIndex * lfrN);
        splice = frames.GetRange(spliceIndex, t - spliceIndex);
        return outputs.Count == 0 ? null : outputs.ToArray();
    }
}
