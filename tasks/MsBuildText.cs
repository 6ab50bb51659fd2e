using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Hands paths back to MSBuild literally. An item spec or metadata value a task returns is read as MSBuild-escaped
/// text, so a path holding <c>%41</c>, <c>;</c>, <c>$(x)</c> or <c>@(y)</c> would otherwise be unescaped, split or
/// expanded on its way to the next task; escaping each special character keeps it the path it is.
/// </summary>
internal static class MsBuildText
{
    private const string Special = "%*?@$();'";

    public static string Escape(string text)
    {
        if (text.IndexOfAny(Special.ToCharArray()) < 0)
            return text;
        var escaped = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (Special.Contains(c))
                escaped.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>An item whose spec is <paramref name="path"/>, literally, with literal metadata.</summary>
    public static ITaskItem Item(string path, params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(Escape(path));
        foreach (var (name, value) in metadata)
            item.SetMetadata(name, Escape(value));
        return item;
    }
}
