using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace SpeechPairs.Contract;

/// <summary>
/// One record of the merged output and of a shard's output: a JSONL line <c>{"id","text","tokens","rel_wav","rel_lab","sr"}</c>
/// (keys in that order, written by <see cref="ToLine"/>) or a Parquet row with these columns.
/// </summary>
public sealed record PairRecord(string Id, string Text, string Tokens, string RelWav, string RelLab, int Sr)
{
    /// <summary>The keys (and Parquet columns) in their order; the last, <c>sr</c>, is an int32, the others strings.</summary>
    public static readonly IReadOnlyList<string> Keys = ["id", "text", "tokens", "rel_wav", "rel_lab", "sr"];

    /// <summary>The exact line (no terminator).</summary>
    public string ToLine() =>
        new JsonLineBuilder()
            .Add(Keys[0], Id)
            .Add(Keys[1], Text)
            .Add(Keys[2], Tokens)
            .Add(Keys[3], RelWav)
            .Add(Keys[4], RelLab)
            .Add(Keys[5], Sr)
            .ToString();

    /// <summary>The record of a line that has exactly <see cref="Keys"/> in order; false with the problem otherwise.</summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Line, [NotNullWhen(true)] out PairRecord? record, out RecordProblem problem, out string reason)
    {
        record = null;
        if (!OutputRecords.TryRead(utf8Line, Keys, srIndex: 5, out var values, out var sr, out problem, out reason))
            return false;
        record = new PairRecord(values[0]!, values[1]!, values[2]!, values[3]!, values[4]!, sr);
        return true;
    }

    public static bool TryRead(string line, [NotNullWhen(true)] out PairRecord? record, out RecordProblem problem, out string reason) =>
        TryRead(Encoding.UTF8.GetBytes(line), out record, out problem, out reason);

    /// <exception cref="FormatException">The line is not a pair record.</exception>
    public static PairRecord Read(string line) =>
        TryRead(line, out var record, out _, out var reason) ? record : throw new FormatException($"not a pair line: {reason}");
}

/// <summary>A line of an errors file: <c>{"id","rel_wav","error"}</c>, for a clip that got no record.</summary>
/// <param name="Error">The reason, <c>KIND: detail</c> (<see cref="ErrorKinds"/>).</param>
public sealed record ErrorRecord(string Id, string RelWav, string Error)
{
    public static readonly IReadOnlyList<string> Keys = ["id", "rel_wav", "error"];

    public string Kind => ErrorKinds.Of(Error);

    /// <summary>Left out on purpose (MaxDuration): counted as excluded, not as an error.</summary>
    public bool IsExcluded => Kind == ErrorKinds.TooLong;

    /// <summary>The exact line (no terminator).</summary>
    public string ToLine() =>
        new JsonLineBuilder()
            .Add(Keys[0], Id)
            .Add(Keys[1], RelWav)
            .Add(Keys[2], Error)
            .ToString();

    /// <summary>The record of a line that has exactly <see cref="Keys"/> in order; false with the problem otherwise.</summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8Line, [NotNullWhen(true)] out ErrorRecord? record, out RecordProblem problem, out string reason)
    {
        record = null;
        if (!OutputRecords.TryRead(utf8Line, Keys, srIndex: -1, out var values, out _, out problem, out reason))
            return false;
        record = new ErrorRecord(values[0]!, values[1]!, values[2]!);
        return true;
    }

    public static bool TryRead(string line, [NotNullWhen(true)] out ErrorRecord? record, out RecordProblem problem, out string reason) =>
        TryRead(Encoding.UTF8.GetBytes(line), out record, out problem, out reason);

    /// <exception cref="FormatException">The line is not an error record.</exception>
    public static ErrorRecord Read(string line) =>
        TryRead(line, out var record, out _, out var reason) ? record : throw new FormatException($"not an error line: {reason}");
}

/// <summary>The kinds of <see cref="ErrorRecord.Error"/>: the text before its first colon.</summary>
public static class ErrorKinds
{
    public const string Wav = "wav";
    public const string Transcript = "transcript";

    /// <summary>Excluded by MaxDuration (<see cref="ErrorRecord.IsExcluded"/>).</summary>
    public const string TooLong = "too long";

    /// <summary>A clip shorter than one token group.</summary>
    public const string NoTokens = "no tokens";

    public const string Tokenizer = "tokenizer";

    /// <summary>Pairs whose ids are the same after NFC normalisation.</summary>
    public const string IdCollision = "id collision";

    /// <summary>An error string of this kind: <c>KIND: detail</c>.</summary>
    public static string Error(string kind, string detail) => kind + ": " + detail;

    /// <summary>The kind of an error string: the text before its first colon (all of it when there is none).</summary>
    public static string Of(string error) => error.IndexOf(':') is var colon and > 0 ? error[..colon] : error;
}

/// <summary>Why a line is not a record.</summary>
public enum RecordProblem
{
    None,

    /// <summary>Not one JSON object, or a value of the wrong type.</summary>
    Unparsable,

    /// <summary>A JSON object, but not with exactly the record's keys in order.</summary>
    Keys,
}

/// <summary>The strict reader of <see cref="PairRecord"/> and <see cref="ErrorRecord"/> lines.</summary>
internal static class OutputRecords
{
    /// <summary>
    /// Reads one object whose keys must be <paramref name="keys"/> in order: the value at <paramref name="srIndex"/> an
    /// int32, the others strings. A wrong type is <see cref="RecordProblem.Unparsable"/>; other keys, missing, repeated
    /// or reordered ones are <see cref="RecordProblem.Keys"/>, reported with every key the line has.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> line, IReadOnlyList<string> keys, int srIndex,
        out string?[] values, out int sr, out RecordProblem problem, out string reason)
    {
        values = new string?[keys.Count];
        sr = 0;
        problem = RecordProblem.Unparsable;
        reason = "";
        var seen = new List<string>(keys.Count);
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                reason = "not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                seen.Add(name);
                reader.Read();
                var position = seen.Count - 1;
                if (position >= keys.Count || name != keys[position])
                {
                    reader.Skip();
                    continue;
                }

                if (position == srIndex)
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out sr))
                    {
                        reason = $"{name} is not an int32";
                        return false;
                    }
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    values[position] = reader.GetString();
                }
                else
                {
                    reason = $"{name} is not a string";
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                reason = "not one complete JSON object";
                return false;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString on an escaped lone surrogate, which no UTF-8 text can hold.
            reason = FirstLine(e.Message);
            return false;
        }

        if (!seen.SequenceEqual(keys))
        {
            problem = RecordProblem.Keys;
            reason = $"keys {string.Join(',', seen)}; expected {string.Join(',', keys)}";
            return false;
        }

        problem = RecordProblem.None;
        return true;
    }

    private static string FirstLine(string message) => message.IndexOfAny(['\r', '\n']) is var end and >= 0 ? message[..end] : message;
}
