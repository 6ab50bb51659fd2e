using System.Collections.Concurrent;
using System.Diagnostics;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// Step-Audio's <c>wav2token</c> + <c>merge_vq0206_to_token_str</c> (the processor): decoded audio in, vq02, vq06 and
/// the <c>&lt;audio_N&gt;</c> string out. Made by <see cref="TokenizerModels.CreateTokenizer"/>; cheap, it carries the
/// per-run <see cref="TokenizeOptions"/> and composes the models' <see cref="TokenizerModels.Vq02"/> and
/// <see cref="TokenizerModels.Vq06"/> modules.
/// </summary>
/// <remarks>
/// A batch is tokenized as the reference tokenizes each clip, with two differences that do not change results:
/// vq02 runs its encoder over every piece of every clip in the batch together (a clip's codes do not depend on
/// its batch; the tests check it), and vq06 then runs the 30 s chunks of all clips in parallel lanes. vq02 and vq06
/// take turns on the same cores instead of overlapping: on a 2-core machine a vq06 thread beside two torch threads
/// oversubscribes the cores and slows both.
/// </remarks>
public sealed class Vq0206Tokenizer
{
    /// <summary>The rate every clip is resampled to before both tokenizers.</summary>
    public const int SampleRate = 16000;

    private readonly TokenizerModels _models;
    private readonly ConcurrentDictionary<int, SincResampler> _resamplers = new();

    internal Vq0206Tokenizer(TokenizerModels models, TokenizeOptions options)
    {
        _models = models;
        Options = options;
    }

    /// <summary>The per-run choices this processor applies.</summary>
    public TokenizeOptions Options { get; }

    /// <summary>Where this tokenizer's time went, summed over its batches.</summary>
    public TokenizerStageTimes Times { get; } = new();

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
        var audio = new List<float[]>(n);
        var owners = new List<int>(n);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            try
            {
                audio.Add(Preprocess(clips[i]));
                owners.Add(i);
            }
            catch (Exception e) when (e is ArgumentException or TokenizationException)
            {
                errors[i] = e.Message;
            }
        }
        Times.AddPreprocess(start);

        var vq02 = _models.Vq02.Quantize(audio, Options.Dither, Times);
        start = Stopwatch.GetTimestamp();
        var vq06 = _models.Vq06.Quantize(audio);
        Times.AddVq06(start);

        var outcomes = new ClipOutcome[n];
        for (int i = 0; i < n; i++)
            if (errors[i] is { } error) outcomes[i] = new ClipOutcome(null, error);
        for (int k = 0; k < owners.Count; k++)
            outcomes[owners[k]] = Outcome(vq02.Codes[k], vq06.Codes[k], vq02.Errors[k] ?? vq06.Errors[k]);
        return outcomes;
    }

    /// <summary>The clip's outcome from its two modules' results: the error, or the codes merged.</summary>
    internal static ClipOutcome Outcome(int[]? vq02, int[]? vq06, string? error) =>
        error is not null
            ? new ClipOutcome(null, error)
            : new ClipOutcome(new ClipTokens(vq02!, vq06!, TokenMerger.Merge(vq02!, vq06!)), null);

    /// <summary>
    /// Clips longer than this are better tokenized from their file with <see cref="TokenizeLong"/>: held whole, a clip
    /// costs memory in proportion to its length.
    /// </summary>
    public const int LongClipSeconds = 240;

    /// <summary>16 kHz samples per part of a long clip (a whole number of vq06 chunks); internal so tests can cut short clips into parts.</summary>
    internal int PartSamples { get; set; } = LongClipSeconds / 2 * SampleRate;

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
        return new LongClips.PartwiseTokenization(_models, this).Run(file, resampler, PartSamples, secondsDone);
    }

    private const string NoSamples = "no audio samples (the reference raises on empty audio)";

    private SincResampler ResamplerFor(int rate) => _resamplers.GetOrAdd(rate, r => new SincResampler(r, SampleRate));

    /// <summary>The reference's preprocess_wav: resample to 16 kHz, energy norm, then the optional trim.</summary>
    public float[] Preprocess(DecodedAudio clip)
    {
        if (clip.Samples.Length == 0) throw new TokenizationException(NoSamples);
        var resampler = ResamplerFor(clip.SampleRate);
        var normed = EnergyNormalizer.Normalize(resampler.Resample(clip.Samples));
        return Options.Trim ? SilenceTrimmer.Trim(normed, SampleRate) : normed;
    }
}
