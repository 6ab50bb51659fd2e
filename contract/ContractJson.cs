using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpeechPairs.Contract;

/// <summary>How the contract's documents are spelled on disk: snake_case keys and enum values, one compact line.</summary>
internal static class ContractJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        NumberHandling = JsonNumberHandling.Strict,
        WriteIndented = false,
    };

    /// <summary>Writes the document as one line, atomically (<see cref="AtomicFile"/>).</summary>
    public static void WriteAtomically<T>(string path, T document) =>
        AtomicFile.Write(path, [.. JsonSerializer.SerializeToUtf8Bytes(document, Options), (byte)'\n']);

    /// <summary>The document, or null when the file is absent, unreadable or not a valid document of this type.</summary>
    public static T? TryRead<T>(string path) where T : class
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return JsonSerializer.Deserialize<T>(stream, Options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }
}
