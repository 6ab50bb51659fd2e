using System.Collections.Concurrent;
using System.Diagnostics;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// Step-Audio's <c>wav2token</c> + <c>merge_vq0206_to_token_str</c>: decoded audio in, vq02, vq06 and the
/// <c>&lt;audio_N&gt;</c> string out. Cheap to create; all heavy state lives in the shared <see cref="TokenizerModels"/>.
/// </summary>
/// <remarks>
/// A batch is tokenized as the reference tokenizes each clip, with two differences that do not change results:
/// vq02 runs its encoder over every piece of every clip in the batch together (a clip's codes do not depend on
/// its batch; the tests check it), and vq06 then runs the 30 s chunks of all clips in parallel lanes, each chunk a
/// single-threaded ONNX run as in the reference. vq02 and vq06 take turns on the same cores instead of overlapping:
/// on a 2-core machine a vq06 thread beside two torch threads oversubscribes the cores and slows both.
/// </remarks>
public sealed class Vq0206Tokenizer(TokenizerModels models)
{
    /// <summary>The rate every clip is resampled to before both tokenizers.</summary>
    public const int SampleRate = 16000;

    private readonly ConcurrentDictionary<int, SincResampler> _resamplers = new();

    /// <summary>Where this tokenizer's time went, summed over its batches.</summary>
    public TokenizerStageTimes Times { get; } = new();

    /// <summary>vq06 chunks that run at once (<see cref="TokenizerOptions.Vq06Lanes"/>).</summary>
    public int Vq06Lanes => models.Options.EffectiveVq06Lanes;

    /// <summary>Most lanes the last vq06 phase had running at once (tests check that chunks ran in parallel).</summary>
    internal int LastVq06Concurrency { get; private set; }

    /// <summary>Tokenizes one clip; throws <see cref="TokenizationException"/> when the reference would fail on it.</summary>
    public ClipTokens Tokenize(DecodedAudio clip)
    {
        var outcome = TokenizeBatch([clip])[0];
        return outcome.Tokens ?? throw new TokenizationException($"{clip.Source}: {outcome.Error}");
    }

    /// <summary>
    /// Tokenizes <paramref name="clips"/>; a clip that fails gets an error and does not affect the others. This is the
    /// one place a failing clip is isolated: callers take a throw as the tokenizer failing, not a clip.
    /// </summary>
    public IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips)
    {
        int n = clips.Count;
        var errors = new string?[n];
        var audio = new float[n][];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            try
            {
                audio[i] = Preprocess(clips[i]);
            }
            catch (Exception e) when (e is ArgumentException or TokenizationException)
            {
                errors[i] = e.Message;
                audio[i] = [];
            }
        }

        Times.AddPreprocess(start);

        var vq02 = RunVq02(audio, errors);
        start = Stopwatch.GetTimestamp();
        var vq06 = RunVq06(audio, errors);
        Times.AddVq06(start);

        var outcomes = new ClipOutcome[n];
        for (int i = 0; i < n; i++)
        {
            string? error = errors[i] ?? vq02.Errors[i] ?? vq06.Errors[i];
            outcomes[i] = error is not null
                ? new ClipOutcome(null, error)
                : new ClipOutcome(new ClipTokens(vq02.Codes[i]!, vq06.Codes[i]!, TokenMerger.Merge(vq02.Codes[i]!, vq06.Codes[i]!)), null);
        }
        return outcomes;
    }

    /// <summary>
    /// Clips longer than this are better tokenized from their file with <see cref="TokenizeLong"/>: held whole, a clip
    /// costs memory in proportion to its length.
    /// </summary>
    public const int LongClipSeconds = 240;

    /// <summary>16 kHz samples per part of a long clip (a whole number of vq06 chunks); internal so tests can cut short clips into parts.</summary>
    internal int PartSamples { get; init; } = LongClipSeconds / 2 * SampleRate;

    /// <summary>
    /// Tokenizes a clip of any length from its file, part by part, in memory that does not grow with its length; the
    /// codes are the ones <see cref="Tokenize"/> gives the whole clip. <paramref name="secondsDone"/> hears, after each
    /// part, how many of the clip's seconds are done.
    /// </summary>
    /// <exception cref="AudioFormatException">The file cannot be read, or holds NaN/Inf (as <see cref="WavReader.Read"/>).</exception>
    public ClipOutcome TokenizeLong(WavFile file, Action<double>? secondsDone = null)
    {
        if (file.Info.Frames == 0) return new ClipOutcome(null, NoSamples);
        SincResampler resampler;
        try
        {
            resampler = ResamplerFor(file.Info.SampleRate);
        }
        catch (ArgumentException e)
        {
            return new ClipOutcome(null, e.Message);
        }
        return new LongClips.PartwiseTokenization(models, this).Run(file, resampler, PartSamples, secondsDone);
    }

    private const string NoSamples = "no audio samples (the reference raises on empty audio)";

    private SincResampler ResamplerFor(int rate) => _resamplers.GetOrAdd(rate, r => new SincResampler(r, SampleRate));

    /// <summary>The reference's preprocess_wav: resample to 16 kHz, energy norm, then the optional trim.</summary>
    public float[] Preprocess(DecodedAudio clip)
    {
        if (clip.Samples.Length == 0) throw new TokenizationException(NoSamples);
        var resampler = ResamplerFor(clip.SampleRate);
        var normed = EnergyNormalizer.Normalize(resampler.Resample(clip.Samples));
        return models.Options.Trim ? SilenceTrimmer.Trim(normed, SampleRate) : normed;
    }

    private (int[]?[] Codes, string?[] Errors) RunVq02(float[][] audio, string?[] inputErrors)
    {
        int n = audio.Length;
        var codes = new int[n][];
        var errors = new string?[n];
        var features = new List<Vq02Features>();
        var owners = new List<int>();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            if (inputErrors[i] is not null) continue;
            try
            {
                features.Add(models.Frontend.Extract(audio[i], models.Options.Dither));
                owners.Add(i);
            }
            catch (InvalidOperationException e)
            {
                errors[i] = $"vq02 front end: {e.Message}";
            }
        }
        Times.AddVq02FrontEnd(start);
        if (features.Count == 0) return (codes, errors);

        start = Stopwatch.GetTimestamp();
        try
        {
            Quantize(features, owners, codes);
        }
        catch (Exception batchError) when (batchError is not OutOfMemoryException && features.Count == 1)
        {
            // A batch of one is its clip's own run: the failure is the clip's.
            errors[owners[0]] = $"vq02 encoder failed: {batchError.Message}";
        }
        catch (Exception batchError) when (batchError is not OutOfMemoryException)
        {
            // Isolate the clip that fails: results do not depend on batch membership, so one by one is equal.
            for (int k = 0; k < features.Count; k++)
            {
                try
                {
                    Quantize([features[k]], [owners[k]], codes);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    errors[owners[k]] = $"vq02 encoder failed: {e.Message}";
                }
            }
        }
        Times.AddVq02Encoder(start);
        return (codes, errors);
    }

    private void Quantize(IReadOnlyList<Vq02Features> features, IReadOnlyList<int> owners, int[][] codes)
    {
        var (frames, clipFrames) = models.Encoder.Encode(features, models.Vq02Lanes);
        using (frames)
        {
            int[] all = models.Quantizer.Assign(frames);
            int offset = 0;
            for (int k = 0; k < owners.Count; k++)
            {
                codes[owners[k]] = all[offset..(offset + clipFrames[k])];
                offset += clipFrames[k];
            }
        }
    }

    // Every chunk of every clip is one job; a clip's codes are its chunks' codes in order, and its error the first
    // failing chunk's, so the lanes give exactly what one chunk after another gives.
    internal (int[]?[] Codes, string?[] Errors) RunVq06(float[][] audio, string?[] inputErrors)
    {
        int n = audio.Length;
        var jobs = new List<(int Clip, int Chunk, int Start, int Length)>();
        var chunkCodes = new int[n][][];
        for (int i = 0; i < n; i++)
        {
            if (inputErrors[i] is not null) continue;
            var chunks = Vq06Chunks.Split(audio[i].Length);
            chunkCodes[i] = new int[chunks.Count][];
            for (int c = 0; c < chunks.Count; c++) jobs.Add((i, c, chunks[c].Start, chunks[c].Length));
        }

        var chunkErrors = new string?[jobs.Count];
        int running = 0, most = 0;
        // Longest chunks first, one at a time per lane: the lanes then finish within about the shortest chunk of each
        // other instead of one lane running a long last clip alone (Parallel.For hands out index ranges in order).
        Parallel.ForEach(Partitioner.Create(LongestFirst(jobs.Select(j => j.Length).ToList()), EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = Vq06Lanes }, j =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            var (clip, chunk, start, length) = jobs[j];
            try
            {
                chunkCodes[clip][chunk] = Vq06ChunkCodes(audio[clip], start, length);
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
        LastVq06Concurrency = most;

        var codes = new int[n][];
        var errors = new string?[n];
        for (int j = jobs.Count - 1; j >= 0; j--)
            if (chunkErrors[j] is { } error) errors[jobs[j].Clip] = error;
        for (int i = 0; i < n; i++)
            if (inputErrors[i] is null && errors[i] is null) codes[i] = chunkCodes[i].SelectMany(c => c).ToArray();
        return (codes, errors);
    }

    /// <summary>The order the vq06 lanes take chunks in: longest first, equal lengths in clip order.</summary>
    internal static int[] LongestFirst(IReadOnlyList<int> lengths) =>
        Enumerable.Range(0, lengths.Count).OrderByDescending(j => lengths[j]).ThenBy(j => j).ToArray();

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    // One chunk of the reference's get_vq06_code (30 s chunks, a tail under 480 samples dropped): log-mel, ONNX.
    private int[] Vq06ChunkCodes(float[] audio16k, int start, int length)
    {
        float[] mel = models.LogMel.Compute(audio16k.AsSpan(start, length), out int frames);
        int[] chunkTokens = models.Vq06.Tokenize(mel, frames);
        double duration = Math.Round(length / 16000.0, 2, MidpointRounding.ToEven);
        if (Math.Abs(chunkTokens.Length - duration * 25) > 2)
            throw new TokenizationException($"vq06: {chunkTokens.Length} tokens for a {duration:0.00} s chunk; the reference requires 25 per second ± 2 (is speech_tokenizer_v1.onnx a 25 Hz model?)");
        return chunkTokens;
    }
}
