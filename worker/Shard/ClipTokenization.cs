using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Progress;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// Where a clip's tokens come from: the token cache when it has the clip, else the tokenizer, whose new outcomes are
/// recorded for the merge before the batch's output is written. The tokenizer is loaded at most once, on first need.
/// </summary>
/// <remarks>
/// A failing clip is isolated by the tokenizer library, not here: its batch call gives every clip its own outcome
/// (<c>Vq0206Tokenizer.TokenizeBatch</c>). A batch call that throws or miscounts is the tokenizer failing, not a clip,
/// so it fails the shard instead of being retried clip by clip.
/// </remarks>
internal sealed class ClipTokenization : IDisposable
{
    private readonly Func<IClipTokenizer> _load;
    private readonly ShardTokenCache? _cache;
    private readonly ShardStageClock _clock;
    private readonly TextWriter _log;
    private readonly string _prefix;
    private IClipTokenizer? _tokenizer;

    private ClipTokenization(Func<IClipTokenizer> load, ShardTokenCache? cache, ShardStageClock clock, TextWriter log, string prefix)
    {
        _load = load;
        _cache = cache;
        _clock = clock;
        _log = log;
        _prefix = prefix;
    }

    /// <summary>
    /// Without a cache the tokenizer is loaded at once; with one, on the first miss only, so a run of all hits never
    /// loads the models.
    /// </summary>
    /// <param name="load">Loads the tokenizer; fails with a <see cref="WorkerFailureException"/> (<see cref="WorkerServices.CreateTokenizer"/>).</param>
    public static ClipTokenization Open(Func<IClipTokenizer> load, TokenCacheOptions? tokenCache, ShardFiles files, bool resume,
        ShardStageClock clock, TextWriter log, string prefix)
    {
        if (tokenCache is null)
        {
            var tokenization = new ClipTokenization(load, null, clock, log, prefix);
            tokenization.Tokenizer();
            return tokenization;
        }

        return new ClipTokenization(load, ShardTokenCache.Open(tokenCache, files.Output, resume, log, prefix), clock, log, prefix);
    }

    /// <summary>Where the tokenizer's time went, when it was loaded and keeps its times.</summary>
    public TokenizerStageTimes? TokenizerTimes => _tokenizer?.Times;

    /// <summary>
    /// What every clip of the batch that is still without an error got, in batch order: a clip decoded whole from the
    /// cache or from one tokenizer call for the batch, then each long clip from its file.
    /// </summary>
    /// <param name="progress">Hears the progress inside a long clip.</param>
    public IReadOnlyList<TokenizedClip> Tokenize(PreparedBatch batch, ProgressReporter progress)
    {
        var whole = batch.Clips.Where(c => c.Audio is not null).Select(c => (c.Pair.Id, c.Audio!)).ToList();
        var cached = _cache?.Lookup(whole) ?? new ClipTokens?[whole.Count];
        var misses = whole.Where((_, i) => cached[i] is null).Select(c => c.Item2).ToList();
        var fresh = misses.Count == 0 ? [] : TokenizeBatch(misses);
        _cache?.Record(misses, fresh);

        var results = new List<TokenizedClip>(batch.Clips.Count);
        int nextWhole = 0, nextFresh = 0;
        double secondsBefore = 0;
        foreach (var clip in batch.Clips)
        {
            if (clip.Error is null)
                results.Add(clip.Long is not null ? TokenizeLong(clip, progress, secondsBefore)
                    : cached[nextWhole++] is { } hit ? new TokenizedClip(new ClipOutcome(hit, null), FromCache: true)
                    : new TokenizedClip(fresh[nextFresh++], FromCache: false));
            secondsBefore += clip.Seconds;
        }

        return results;
    }

    /// <summary>
    /// A long clip, part by part from its file, with progress inside it; never from the token cache, whose keys are
    /// those of clips decoded whole. A file that turns out unreadable is the clip's <c>wav:</c> error, as for any clip;
    /// any other throw is the tokenizer failing and fails the shard, as for a batch.
    /// </summary>
    private TokenizedClip TokenizeLong(PreparedClip clip, ProgressReporter progress, double batchSecondsBefore)
    {
        try
        {
            return new TokenizedClip(TokenizerCalls.Long(Tokenizer(), clip.Pair.WavPath, done => progress.InClip(done / clip.Seconds, batchSecondsBefore + done),
                $"the long clip {clip.Pair.RelWav}"), FromCache: false);
        }
        catch (AudioFormatException e)
        {
            return new TokenizedClip(new ClipOutcome(null, null), FromCache: false, BatchLoader.WavError(e));
        }
    }

    private IReadOnlyList<ClipOutcome> TokenizeBatch(List<DecodedAudio> audio) =>
        TokenizerCalls.Batch(Tokenizer(), audio, $"a batch of {audio.Count} clips");

    private IClipTokenizer Tokenizer()
    {
        if (_tokenizer is null)
        {
            _tokenizer = _clock.Time(ShardStageClock.Stage.ModelLoad, _load);
            // The first progress line comes after the first batch: say what the first seconds went to.
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{_prefix} tokenizer loaded in {_clock.ModelLoadSeconds:0.0} s"));
        }

        return _tokenizer;
    }

    public void Dispose()
    {
        _tokenizer?.Dispose();
        _cache?.Dispose();
    }
}
