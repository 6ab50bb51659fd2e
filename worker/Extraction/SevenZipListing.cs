using System.Text.RegularExpressions;

namespace SpeechPairs.Worker.Extraction;

/// <summary>One entry of a <c>7zz l -slt</c> listing, reduced to what extraction decides on.</summary>
internal sealed record SevenZipListedEntry(string Path, bool IsDirectory, bool IsLink);

/// <summary>
/// Reads the <c>-slt</c> listing ("Key = value" lines, one block per entry, each starting with "Path = ") line by line:
/// a listing of 500k entries is hundreds of megabytes. Fields differ by format: 7z and zip give "Attributes"
/// ("D" for folders, the Unix mode after it), tar gives "Mode", "Symbolic Link" and "Hard Link".
/// </summary>
internal static partial class SevenZipListing
{
    public static IEnumerable<SevenZipListedEntry> Read(TextReader output)
    {
        string? path = null;
        bool directory = false, link = false;
        while (output.ReadLine() is string line)
        {
            if (line.StartsWith("Path = ", StringComparison.Ordinal))
            {
                if (path is not null)
                    yield return new SevenZipListedEntry(path, directory, link);
                path = line["Path = ".Length..];
                directory = link = false;
                continue;
            }
            int equals = line.IndexOf(" = ", StringComparison.Ordinal);
            if (path is null || equals < 0)
                continue;
            string key = line[..equals], value = line[(equals + 3)..];
            switch (key)
            {
                case "Folder":
                    directory |= value == "+";
                    break;
                case "Attributes":
                    directory |= value.StartsWith('D');
                    link |= UnixLinkMode().IsMatch(value);
                    break;
                case "Mode":
                    directory |= value.StartsWith('d');
                    link |= UnixLinkMode().IsMatch(value);
                    break;
                case "Symbolic Link" or "Hard Link":
                    link |= value.Length > 0;
                    break;
            }
        }
        if (path is not null)
            yield return new SevenZipListedEntry(path, directory, link);
    }

    // The Unix mode string of a symbolic link, e.g. "lrwxrwxrwx" (alone in tar's Mode, after the Windows flags in Attributes).
    [GeneratedRegex(@"(^|\s)l[rwxsStT-]{9}(\s|$)")]
    private static partial Regex UnixLinkMode();
}
