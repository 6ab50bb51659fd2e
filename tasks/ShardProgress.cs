using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpeechPairs.Tasks;

/// <summary>A worker's FILE.progress.json: where one shard stands. The worker replaces it every ~2 s.</summary>
internal sealed record ShardProgress
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public int ShardIndex { get; init; }
    public int ShardCount { get; init; }
    /// <summary>"running", "done" or "failed".</summary>
    public string State { get; init; } = "";
    public long Total { get; init; }
    /// <summary>Clips finished in this shard, errors and resumed clips included.</summary>
    public long Done { get; init; }
    public long Errors { get; init; }
    public long Resumed { get; init; }
    public double AudioSeconds { get; init; }
    public double ElapsedSeconds { get; init; }
    public double ClipsPerSecond { get; init; }
    public double AudioSecondsPerSecond { get; init; }
    public double? EtaSeconds { get; init; }
    public DateTime? UpdatedUtc { get; init; }

    public static ShardProgress Parse(string json) =>
        JsonSerializer.Deserialize<ShardProgress>(json, Options) ?? throw new JsonException("null progress");

    /// <summary>
    /// Reads a progress file, or returns null when it is missing or keeps failing to read. A file being
    /// replaced at that moment (or, on Windows, locked by the rename) is retried a few times.
    /// </summary>
    public static ShardProgress? TryRead(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                if (!File.Exists(path))
                    return null;
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                return Parse(reader.ReadToEnd());
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException or JsonException) && attempt < 4)
            {
                Thread.Sleep(50);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                return null;
            }
        }
    }
}
