using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// The token cache's key of everything besides the audio: the tokenizer's own <see cref="TokenizerIdentity"/>, with the
/// bundle's file hashes remembered beside the cache so that a worker does not read the whole bundle to compute it.
/// </summary>
public static class TokenizerSettingsKey
{
    /// <summary>The key as lowercase hex. Throws when a bundle file cannot be read.</summary>
    /// <param name="setup">The tokenizer the shard runs.</param>
    /// <param name="hashMemo">Where file hashes are remembered by (path, size, time), e.g. <see cref="MemoPathFor"/>; null reads every bundle file.</param>
    public static string Compute(TokenizerSetup setup, string? hashMemo = null)
    {
        var memo = new FileHashMemo(hashMemo);
        var key = TokenizerIdentity.Compute(setup.TokenizerDir, setup.Models, setup.Tokenize, memo.Hash);
        memo.Save();
        return key;
    }

    /// <summary>The bundle-hash memo kept beside a cache.</summary>
    public static string MemoPathFor(string cachePath) => cachePath + ".file-hashes.tsv";
}
