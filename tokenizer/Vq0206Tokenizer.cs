using System.Collections.Concurrent;
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
/// its batch; the tests check it), and vq06 runs on a worker thread while vq02 runs, as the reference overlaps them.
/// </remarks>
public sealed class Vq0206Tokenizer(TokenizerModels models)
{
    /// <summary>The rate every clip is resampled to before both tokenizers.</summary>
    public const int SampleRate = 16000;

    private readonly ConcurrentDictionary<int, SincResampler> _resamplers = new();

    /// <summary>Threads that ran the two halves of the last batch (tests check that vq06 overlapped vq02).</summary>
    internal (int Vq02Thread, int Vq06Thread) LastThreads { get; private set; }

    /// <summary>Tokenizes one clip; throws <see cref="TokenizationException"/> when the reference would fail on it.</summary>
    public ClipTokens Tokenize(DecodedAudio clip)
    {
        var outcome = TokenizeBatch([clip])[0];
        return outcome.Tokens ?? throw new TokenizationException($"{clip.Source}: {outcome.Error}");
    }

    /// <summary>Tokenizes <paramref name="clips"/>; a clip that fails gets an error and does not affect the others.</summary>
    public IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips)
    {
        int n = clips.Count;
        var errors = new string?[n];
        var audio = new float[n][];
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

        var vq06Task = models.Options.OverlapVq06
            ? Task.Factory.StartNew(() => RunVq06(audio, errors), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : null;
        var vq02 = RunVq02(audio, errors);
        var vq06 = vq06Task?.GetAwaiter().GetResult() ?? RunVq06(audio, errors);
        LastThreads = (Environment.CurrentManagedThreadId, vq06.Thread);

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

    /// <summary>The reference's preprocess_wav: resample to 16 kHz, energy norm, then the optional trim.</summary>
    public float[] Preprocess(DecodedAudio clip)
    {
        if (clip.Samples.Length == 0) throw new TokenizationException("no audio samples (the reference raises on empty audio)");
        var resampler = _resamplers.GetOrAdd(clip.SampleRate, rate => new SincResampler(rate, SampleRate));
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
        if (features.Count == 0) return (codes, errors);

        try
        {
            Quantize(features, owners, codes);
        }
        catch (Exception batchError) when (batchError is not OutOfMemoryException && features.Count > 1)
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
        return (codes, errors);
    }

    private void Quantize(IReadOnlyList<Vq02Features> features, IReadOnlyList<int> owners, int[][] codes)
    {
        var (frames, clipFrames) = models.Encoder.Encode(features);
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

    private (int[]?[] Codes, string?[] Errors, int Thread) RunVq06(float[][] audio, string?[] inputErrors)
    {
        int n = audio.Length;
        var codes = new int[n][];
        var errors = new string?[n];
        for (int i = 0; i < n; i++)
        {
            if (inputErrors[i] is not null) continue;
            try
            {
                codes[i] = Vq06Codes(audio[i]);
            }
            catch (TokenizationException e)
            {
                errors[i] = e.Message;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                errors[i] = $"vq06 failed: {e.Message}";
            }
        }
        return (codes, errors, Environment.CurrentManagedThreadId);
    }

    /// <summary>The reference's get_vq06_code: 30 s chunks (a tail under 480 samples dropped), log-mel, ONNX.</summary>
    internal int[] Vq06Codes(float[] audio16k)
    {
        var tokens = new List<int>();
        foreach (var (start, length) in Vq06Chunks.Split(audio16k.Length))
        {
            float[] mel = models.LogMel.Compute(audio16k.AsSpan(start, length), out int frames);
            int[] chunkTokens = models.Vq06.Tokenize(mel, frames);
            double duration = Math.Round(length / 16000.0, 2, MidpointRounding.ToEven);
            if (Math.Abs(chunkTokens.Length - duration * 25) > 2)
                throw new TokenizationException($"vq06: {chunkTokens.Length} tokens for a {duration:0.00} s chunk; the reference requires 25 per second ± 2 (is speech_tokenizer_v1.onnx a 25 Hz model?)");
            tokens.AddRange(chunkTokens);
        }
        return tokens.ToArray();
    }
}
