using System.Diagnostics;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;

namespace SpeechPairs.Tokenizer.LongClips;

/// <summary>
/// Tokenizes one long clip part by part, so that its memory does not grow with its length: each part is a whole
/// number of vq06's 30 s chunks (the last part takes the rest), read from the file (<see cref="PreparedSignal"/>),
/// through vq02's front end and encoder (the encoder's key/value cache carried from part to part) and vq06.
/// </summary>
/// <remarks>
/// Every code is the one the whole clip at once gives: a part starts on a vq06 chunk boundary, which is also a vq02
/// piece boundary (3840 divides 480 000); its fbank frames, LFR rows, dither noise, position encoding and encoder cache
/// are the clip's own, read where they lie. The tests compare the two paths code for code.
/// </remarks>
internal sealed class PartwiseTokenization(TokenizerModels models, Vq0206Tokenizer tokenizer)
{
    public ClipOutcome Run(WavFile file, SincResampler resampler, int partSamples, Action<double>? secondsDone)
    {
        if (partSamples <= 0 || partSamples % Vq06Chunks.ChunkSamples != 0)
            throw new ArgumentOutOfRangeException(nameof(partSamples), "a part is a whole number of vq06 chunks");
        var options = tokenizer.Options;
        long start = Stopwatch.GetTimestamp();
        var signal = PreparedSignal.Prepare(file, resampler, options.Trim);
        ulong seed = options.Dither != 0f ? signal.DitherSeed() : 0;
        tokenizer.Times.AddPreprocess(start);

        // The plan is indices only: walking it first finds the front end's failure before any audio is encoded.
        try
        {
            foreach (var _ in models.Vq02.Walk(signal.Length).Pieces())
            {
            }
        }
        catch (InvalidOperationException e)
        {
            return new ClipOutcome(null, $"vq02 front end: {e.Message}");
        }

        var vq02 = new List<int>();
        var vq06 = new List<int>();
        string? vq06Error = null;
        using var vq02Stream = new Vq02PartStream(models.Vq02, options.Dither, seed);
        using var pieces = models.Vq02.Walk(signal.Length).Pieces().GetEnumerator();
        bool piecesLeft = pieces.MoveNext();
        long parts = Math.Max(1, signal.Length / partSamples);
        for (long k = 0; k < parts; k++)
        {
            bool lastPart = k == parts - 1;
            long partStart = k * partSamples, partEnd = lastPart ? signal.Length : partStart + partSamples;
            var partPieces = new List<int[][]>();
            for (long p = k * (partSamples / StreamingFeaturePlan.PieceSamples); piecesLeft && (lastPart || p < (k + 1) * (partSamples / StreamingFeaturePlan.PieceSamples)); p++)
            {
                partPieces.Add(pieces.Current);
                piecesLeft = pieces.MoveNext();
            }

            long from = partStart, to = partEnd;
            if (partPieces.Count > 0)
            {
                var (s, e) = OnlineFrontend.SampleSpan(partPieces);
                (from, to) = (Math.Min(from, s), Math.Max(to, e));
            }
            start = Stopwatch.GetTimestamp();
            var samples = signal.Read(from, checked((int)(to - from)));
            tokenizer.Times.AddPreprocess(start);

            if (partPieces.Count > 0)
            {
                var (codes, error) = vq02Stream.Next(partPieces, samples, from, lastPart: !piecesLeft, tokenizer.Times);
                if (error is not null) return new ClipOutcome(null, error); // the clip's own failure, as in a batch
                vq02.AddRange(codes!);
            }

            if (vq06Error is null)
            {
                start = Stopwatch.GetTimestamp();
                var codes = models.Vq06.Quantize([samples[(int)(partStart - from)..(int)(partEnd - from)]]);
                tokenizer.Times.AddVq06(start);
                if (codes.Errors[0] is { } error) vq06Error = error;
                else vq06.AddRange(codes.Codes[0]!);
            }
            secondsDone?.Invoke(file.Info.DurationSeconds * partEnd / Math.Max(1, signal.Length));
            // A part leaves tens of MB of large arrays behind, which the GC would otherwise let pile up for several parts
            // before a full collection: collecting here keeps the peak that of one part, and costs little beside a part.
            GC.Collect();
        }

        return Vq0206Tokenizer.Outcome([.. vq02], [.. vq06], vq06Error);
    }
}
