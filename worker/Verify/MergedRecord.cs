using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Verify;

/// <summary>A merged output line: <c>{"id","text","tokens","rel_wav","rel_lab","sr"}</c>, exactly these keys in this order.</summary>
public sealed record MergedRecord(string Id, string Text, string Tokens, string RelWav, string RelLab, long Sr)
{
    public static readonly string[] Keys = ["id", "text", "tokens", "rel_wav", "rel_lab", "sr"];

    /// <summary>The record; false with <paramref name="kind"/> (<see cref="VerifyProblems.Unparsable"/> or
    /// <see cref="VerifyProblems.Keys"/>) and a reason when the line is not one.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out MergedRecord? record, out string kind, out string reason)
    {
        record = null;
        kind = VerifyProblems.Unparsable;
        reason = "";
        var values = new string?[Keys.Length - 1];
        long? sr = null;
        var seen = new List<string>(Keys.Length);
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
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
                var expected = position < Keys.Length ? Keys[position] : null;
                if (name != expected)
                {
                    reader.Skip();
                    continue;
                }

                if (name == "sr")
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var rate))
                    {
                        reason = "sr is not an integer";
                        return false;
                    }

                    sr = rate;
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
        catch (JsonException e)
        {
            reason = Messages.FirstLine(e.Message);
            return false;
        }

        if (!seen.SequenceEqual(Keys))
        {
            kind = VerifyProblems.Keys;
            reason = $"keys {string.Join(',', seen)}; expected {string.Join(',', Keys)}";
            return false;
        }

        record = new MergedRecord(values[0]!, values[1]!, values[2]!, values[3]!, values[4]!, sr!.Value);
        return true;
    }
}
