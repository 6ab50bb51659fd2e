using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace SpeechPairs.Worker.Merge;

/// <summary>Reads the lines of a JSONL or multi-member JSONL.gz file as they are, one at a time.</summary>
internal static class JsonLines
{
    public static IEnumerable<string> Read(string path, bool gzip)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var content = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        // JSON lines hold no raw CR (it is escaped), so ReadLine splits exactly at the line feeds.
        using var reader = new StreamReader(content, new UTF8Encoding(false, throwOnInvalidBytes: true), false, 1 << 16);
        while (reader.ReadLine() is { } line)
            yield return line;
    }

    /// <summary>A top-level string field of a line; null when the line is not an object or lacks it.</summary>
    public static string? StringField(string line, ReadOnlySpan<byte> name)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        var reader = new Utf8JsonReader(bytes);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                    return null;
                var match = reader.ValueTextEquals(name);
                if (!reader.Read())
                    return null;
                if (match)
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
