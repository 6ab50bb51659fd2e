using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// The token cache as one shard run uses it: looks clips up before tokenizing and records the ones it tokenized in
/// the shard's own entries file (<c>OUT.cache.jsonl</c>), for the merge to add. A cache that cannot be used is
/// reported once and the shard simply tokenizes; the cache never fails a run and never changes a line of output.
/// </summary>
internal sealed class ShardTokenCache : IDisposable
{
    private readonly TextWriter _log;
    private readonly string _prefix;
    private readonly string? _settingsKey;
    private readonly JsonlFile? _entries;
    private readonly Dictionary<DecodedAudio, (string Id, byte[] Key)> _keys = new(ReferenceEqualityComparer.Instance);
    private TokenCacheReader? _reader;

    private ShardTokenCache(TextWriter log, string prefix, string? settingsKey, TokenCacheReader? reader, JsonlFile? entries)
    {
        _log = log;
        _prefix = prefix;
        _settingsKey = settingsKey;
        _reader = reader;
        _entries = entries;
    }

    /// <summary>The entries file of the shard whose output is <paramref name="output"/>.</summary>
    public static string EntriesPath(string output) => new Contract.ShardFiles(output).CacheEntries;

    /// <param name="resume">Keep the entries already recorded (those of the clips already in the output).</param>
    public static ShardTokenCache Open(TokenCacheOptions options, string output, bool resume, TextWriter log, string prefix)
    {
        string settingsKey;
        try
        {
            settingsKey = options.SettingsKey();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.WriteLine($"{prefix} token cache off: cannot fingerprint the tokenizer settings ({Messages.FirstLine(e.Message)})");
            return new ShardTokenCache(log, prefix, null, null, null);
        }

        var reader = TokenCacheReader.TryOpen(options.CachePath, settingsKey, out var problem);
        if (problem is not null)
            log.WriteLine($"{prefix} {problem}; tokenizing every clip (new entries still go to the entries file)");
        var path = EntriesPath(output);
        try
        {
            var entries = resume && File.Exists(path)
                ? JsonlFile.OpenToContinue(path, gzip: false, TokenCacheEntry.ReadLine, out _, out _)
                : JsonlFile.OpenEmpty(path, gzip: false);
            return new ShardTokenCache(log, prefix, settingsKey, reader, entries);
        }
        catch
        {
            reader?.Dispose();
            throw;
        }
    }

    /// <summary>Step 1: the cached tokens of each clip, null for a miss. Keeps the clips' keys for <see cref="Record"/>.</summary>
    public ClipTokens?[] Lookup(IReadOnlyList<(string Id, DecodedAudio Audio)> clips)
    {
        _keys.Clear();
        var found = new ClipTokens?[clips.Count];
        if (_settingsKey is null)
            return found;
        for (var i = 0; i < clips.Count; i++)
        {
            var key = ClipAudioKey.Compute(clips[i].Audio);
            _keys[clips[i].Audio] = (clips[i].Id, key);
            found[i] = Find(key);
        }

        return found;
    }

    /// <summary>Step 2: appends an entry for every clip just tokenized (durable before the batch's output is written).</summary>
    public void Record(IReadOnlyList<DecodedAudio> tokenized, IReadOnlyList<ClipOutcome> outcomes)
    {
        if (_entries is null)
            return;
        var lines = new List<string>(tokenized.Count);
        for (var i = 0; i < tokenized.Count; i++)
        {
            // Failures are not cached: they may be transient, and they are rare enough to retry.
            if (outcomes[i].Tokens is { } tokens && _keys.TryGetValue(tokenized[i], out var clip))
                lines.Add(new TokenCacheEntry(clip.Id, Convert.ToHexStringLower(clip.Key), _settingsKey!, tokens.Vq02, tokens.Vq06, tokens.Tokens).ToLine());
        }

        _entries.Append(lines);
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _entries?.Dispose();
    }

    private ClipTokens? Find(byte[] key)
    {
        if (_reader is null)
            return null;
        try
        {
            return _reader.Find(key);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidDataException or InvalidCastException)
        {
            _log.WriteLine($"{_prefix} token cache stopped working ({Messages.FirstLine(e.Message)}); tokenizing the remaining clips");
            _reader.Dispose();
            _reader = null;
            return null;
        }
    }
}
