using System.Globalization;
using System.Text;

namespace SpeechPairs.Contract;

/// <summary>
/// Builds one compact JSON object, keys in the order added, the way Python's
/// <c>json.dumps(obj, ensure_ascii=False, separators=(",", ":"))</c> writes it: non-ASCII text raw (UTF-8 on disk),
/// only <c>"</c>, <c>\</c> and control characters escaped. Hand-written instead of <c>Utf8JsonWriter</c> because the
/// BCL encoders still escape characters outside the Basic Multilingual Plane, and because the bytes of every line must
/// stay the same across runtime versions for shard outputs to be reproducible.
/// </summary>
public sealed class JsonLineBuilder
{
    private readonly StringBuilder _text = new(256);

    public JsonLineBuilder Add(string name, string value)
    {
        AppendName(name);
        AppendString(_text, value);
        return this;
    }

    public JsonLineBuilder Add(string name, long value)
    {
        AppendName(name);
        _text.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public JsonLineBuilder Add(string name, IReadOnlyList<int> values)
    {
        AppendName(name);
        _text.Append('[');
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
                _text.Append(',');
            _text.Append(values[i].ToString(CultureInfo.InvariantCulture));
        }

        _text.Append(']');
        return this;
    }

    /// <summary>The object, without a line terminator.</summary>
    public override string ToString() => _text.Length == 0 ? "{}" : _text.ToString() + "}";

    /// <summary>Appends a JSON string literal with Python's escapes (lowercase <c>\u00XX</c> for other control characters).</summary>
    public static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || IsLoneSurrogate(value, i))
                        // A lone surrogate cannot be written as UTF-8; its escape keeps the line valid JSON.
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        text.Append(c);
                    break;
            }
        }

        text.Append('"');
    }

    private void AppendName(string name)
    {
        _text.Append(_text.Length == 0 ? '{' : ',');
        AppendString(_text, name);
        _text.Append(':');
    }

    private static bool IsLoneSurrogate(string value, int i)
    {
        var c = value[i];
        if (char.IsHighSurrogate(c))
            return i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]);
        if (char.IsLowSurrogate(c))
            return i == 0 || !char.IsHighSurrogate(value[i - 1]);
        return false;
    }
}
