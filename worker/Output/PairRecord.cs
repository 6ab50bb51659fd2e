using System.Text;
using System.Text.Json;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.Output;

/// <summary>One output pair, field for field the JSONL line <see cref="PairLines.Record"/> writes.</summary>
public sealed record PairRecord(string Id, string Text, string Tokens, string RelWav, string RelLab, int Sr)
{
    /// <summary>The exact JSONL line (no terminator), built by the same code the shards use.</summary>
    public string ToLine() => PairLines.Record(new ClipPair(Id, RelWav, RelLab, "", ""), Text, Tokens, Sr);

    /// <summary>Parses one output line; keys may come in any order, all six are required and no others are allowed.</summary>
    public static PairRecord Parse(string line) => Parse(Encoding.UTF8.GetBytes(line));

    public static PairRecord Parse(ReadOnlySpan<byte> utf8Line)
    {
        string? id = null, text = null, tokens = null, relWav = null, relLab = null;
        int? sr = null;
        try
        {
            var reader = new Utf8JsonReader(utf8Line);
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "not a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                Expect(reader.Read(), "truncated line");
                switch (name)
                {
                    case "id": id = String(ref reader, id, name); break;
                    case "text": text = String(ref reader, text, name); break;
                    case "tokens": tokens = String(ref reader, tokens, name); break;
                    case "rel_wav": relWav = String(ref reader, relWav, name); break;
                    case "rel_lab": relLab = String(ref reader, relLab, name); break;
                    case "sr":
                        Expect(sr is null && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value), "sr must be one int32");
                        sr = reader.GetInt32();
                        break;
                    default: throw new FormatException($"unexpected key '{name}'");
                }
            }

            Expect(reader.TokenType == JsonTokenType.EndObject && !reader.Read(), "trailing content after the object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString on an escaped lone surrogate, which no UTF-8 column can hold.
            throw new FormatException($"not a pair line: {e.Message}", e);
        }

        return new PairRecord(
            id ?? throw Missing("id"), text ?? throw Missing("text"), tokens ?? throw Missing("tokens"),
            relWav ?? throw Missing("rel_wav"), relLab ?? throw Missing("rel_lab"), sr ?? throw Missing("sr"));
    }

    private static string String(ref Utf8JsonReader reader, string? seen, string name)
    {
        Expect(seen is null && reader.TokenType == JsonTokenType.String, $"{name} must be one string");
        return reader.GetString()!;
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
            throw new FormatException(message);
    }

    private static FormatException Missing(string key) => new($"missing key '{key}'");
}
