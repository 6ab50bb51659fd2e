using System.Collections.Concurrent;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tokenizer.Vq06;

/// <summary>
/// vq06, batch first: the reference's <c>get_vq06_code</c> — 30 s chunks (a tail under 480 samples dropped), Whisper
/// log-mel, then CosyVoice's S3Tokenizer ONNX (4096 codes). The chunks of every clip in a batch run in parallel lanes,
/// each a single-session ONNX run as in the reference, so lanes never change a code.
/// </summary>
public sealed class Vq06Tokenizer : IDisposable
{
    private readonly SpeechTokenizerV1 _model;
    private readonly WhisperLogMel _logMel;

    internal Vq06Tokenizer(SpeechTokenizerV1 model, int lanes)
    {
        _model = model;
        _logMel = new WhisperLogMel(model.MelBins);
        Lanes = lanes;
    }

    /// <summary>Chunks that run at once (<see cref="ModelOptions.EffectiveVq06Lanes"/>).</summary>
    public int Lanes { get; }

    /// <summary>Most lanes the last batch had running at once (tests check that chunks ran in parallel).</summary>
    internal int LastConcurrency { get; private set; }

    /// <summary>
    /// vq06 codes of 16 kHz, energy-normalised clips: a clip's codes are its chunks' codes in order, and its error the
    /// first failing chunk's, so the lanes give exactly what one chunk after another gives.
    /// </summary>
    public BatchCodes Quantize(IReadOnlyList<float[]> audio16k)
    {
        int n = audio16k.Count;
        var jobs = new List<(int Clip, int Chunk, int Start, int Length)>();
        var chunkCodes = new int[n][][];
        for (int i = 0; i < n; i++)
        {
            var chunks = Vq06Chunks.Split(audio16k[i].Length);
            chunkCodes[i] = new int[chunks.Count][];
            for (int c = 0; c < chunks.Count; c++) jobs.Add((i, c, chunks[c].Start, chunks[c].Length));
        }

        var chunkErrors = new string?[jobs.Count];
        int running = 0, most = 0;
        // Longest chunks first, one at a time per lane: the lanes then finish within about the shortest chunk of each
        // other instead of one lane running a long last clip alone (Parallel.For hands out index ranges in order).
        Parallel.ForEach(Partitioner.Create(LongestFirst(jobs.Select(j => j.Length).ToList()), EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = Lanes }, j =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            var (clip, chunk, start, length) = jobs[j];
            try
            {
                chunkCodes[clip][chunk] = ChunkCodes(audio16k[clip], start, length);
            }
            catch (TokenizationException e)
            {
                chunkErrors[j] = e.Message;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                chunkErrors[j] = $"vq06 failed: {e.Message}";
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        });
        LastConcurrency = most;

        var result = BatchCodes.For(n);
        for (int j = jobs.Count - 1; j >= 0; j--)
            if (chunkErrors[j] is { } error) result.Errors[jobs[j].Clip] = error;
        for (int i = 0; i < n; i++)
            if (result.Errors[i] is null) result.Codes[i] = chunkCodes[i].SelectMany(c => c).ToArray();
        return result;
    }

    /// <summary>The order the lanes take chunks in: longest first, equal lengths in clip order.</summary>
    internal static int[] LongestFirst(IReadOnlyList<int> lengths) =>
        Enumerable.Range(0, lengths.Count).OrderByDescending(j => lengths[j]).ThenBy(j => j).ToArray();

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private int[] ChunkCodes(float[] audio16k, int start, int length)
    {
        float[] mel = _logMel.Compute(audio16k.AsSpan(start, length), out int frames);
        int[] codes = _model.Tokenize(mel, frames);
        double duration = Math.Round(length / 16000.0, 2, MidpointRounding.ToEven);
        if (Math.Abs(codes.Length - duration * 25) > 2)
            throw new TokenizationException($"vq06: {codes.Length} tokens for a {duration:0.00} s chunk; the reference requires 25 per second ± 2 (is speech_tokenizer_v1.onnx a 25 Hz model?)");
        return codes;
    }

    public void Dispose() => _model.Dispose();
}
