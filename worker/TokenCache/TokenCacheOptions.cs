namespace SpeechPairs.Worker.TokenCache;

/// <summary>How a shard uses the token cache (<c>--token-cache</c>); no options, no cache.</summary>
/// <param name="CachePath">The SQLite file, read only; the shard's new entries go to its own entries file.</param>
/// <param name="SettingsKey">Computes the <see cref="TokenizerSettingsKey"/>; called once, only when clips need tokens.</param>
public sealed record TokenCacheOptions(string CachePath, Func<string> SettingsKey);
