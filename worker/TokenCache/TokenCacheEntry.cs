using System.Text.Json;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// One line of a shard's cache-entries file: a clip the shard tokenized, as
/// <c>{"id","audio","settings","vq02","vq06","tokens"}</c> (keys as lowercase hex). Each line carries its settings key so
/// the merge needs nothing else to add it; the clip's id leads, like every shard file, so resume recovers it the same way.
/// </summary>
public sealed record TokenCacheEntry(string Id, string AudioKey, string SettingsKey, int[] Vq02, int[] Vq06, string Tokens)
{
    public string ToLine() =>
        new JsonLineBuilder()
            .Add("id", Id)
            .Add("audio", AudioKey)
            .Add("settings", SettingsKey)
            .Add("vq02", Vq02)
            .Add("vq06", Vq06)
            .Add("tokens", Tokens)
            .ToString();

    /// <summary>Null for a line that is not a whole, well-formed entry (a torn last line of a killed worker, say).</summary>
    public static TokenCacheEntry? TryParse(string line)
    {
        try
        {
            var root = JsonDocument.Parse(line).RootElement;
            var entry = new TokenCacheEntry(
                root.GetProperty("id").GetString()!,
                root.GetProperty("audio").GetString()!,
                root.GetProperty("settings").GetString()!,
                root.GetProperty("vq02").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("vq06").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("tokens").GetString()!);
            return IsKey(entry.AudioKey) && IsKey(entry.SettingsKey) && FitsCache(entry.Vq02) && FitsCache(entry.Vq06) && TokenMerger.Merge(entry.Vq02, entry.Vq06) == entry.Tokens
                ? entry
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or NullReferenceException)
        {
            return null;
        }
    }

    /// <summary>A whole entry line, for resuming the entries file (<see cref="ShardLineReader"/>).</summary>
    internal static bool ReadLine(ReadOnlySpan<byte> line, out string id, out long tokens)
    {
        var entry = TryParse(System.Text.Encoding.UTF8.GetString(line));
        id = entry?.Id ?? "";
        tokens = 0;
        return entry is not null;
    }

    private static bool FitsCache(int[] codes) => codes.All(c => (uint)c <= ushort.MaxValue);

    private static bool IsKey(string hex) => hex.Length == 64 && hex.All(char.IsAsciiHexDigitLower);
}
