using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SpeechPairs.Worker.Verify;

/// <summary>A line of an errors file: <c>{"id","rel_wav","error"}</c>.</summary>
public sealed record ErrorLine(string Id, string RelWav, string Error)
{
    /// <summary>The error string of a clip left out by <c>--max-duration</c> starts with this.</summary>
    public const string TooLongPrefix = "too long:";

    public bool IsTooLong => Error.StartsWith(TooLongPrefix, StringComparison.Ordinal);

    /// <summary>The kind of error: the text before the first ':' (<c>wav</c>, <c>transcript</c>, <c>too long</c>, ...).</summary>
    public string Kind => Error.IndexOf(':') is var colon and > 0 ? Error[..colon] : Error;

    public static bool TryParse(string json, [NotNullWhen(true)] out ErrorLine? line)
    {
        line = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object &&
                root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String &&
                root.TryGetProperty("rel_wav", out var relWav) && relWav.ValueKind == JsonValueKind.String &&
                root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                line = new ErrorLine(id.GetString()!, relWav.GetString()!, error.GetString()!);
        }
        catch (JsonException)
        {
        }

        return line is not null;
    }

    /// <summary>Every line of an errors file (plain JSONL), with its line number; null for a line that is not an error line.</summary>
    public static IEnumerable<(long Number, ErrorLine? Line, bool Terminated)> ReadFile(string path)
    {
        foreach (var line in MergedPairs.Read(path))
            yield return (line.Number, TryParse(line.Json, out var parsed) ? parsed : null, line.Terminated);
    }
}
