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
    public static void WriteAtomically<T>(string path, T document, bool indented = false) =>
        AtomicFile.Write(path, [.. JsonSerializer.SerializeToUtf8Bytes(document, indented ? Indented : Options), (byte)'\n']);

    public static string Serialize<T>(T document) => JsonSerializer.Serialize(document, Options);

    private static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };

    /// <summary>The document, or null when the file is not a valid document of this type; throws when it cannot be read.</summary>
    public static T? Read<T>(string path) where T : class
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            return JsonSerializer.Deserialize<T>(stream, Options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null;
        }
    }

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
