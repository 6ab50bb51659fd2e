using System.Text.RegularExpressions;

namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// One entry of a <c>7zz l -slt</c> listing, reduced to what extraction decides on: its solid block (7z only; null
/// where the listing has none) and unpacked size let independent blocks be extracted side by side; an encrypted entry
/// (7z, zip: "Encrypted = +") is refused before any extraction starts.
/// </summary>
internal sealed record SevenZipListedEntry(string Path, bool IsDirectory, bool IsLink, int? Block = null, long Size = 0, bool IsEncrypted = false);

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
        bool directory = false, link = false, encrypted = false;
        int? block = null;
        long size = 0;
        while (output.ReadLine() is string line)
        {
            if (line.StartsWith("Path = ", StringComparison.Ordinal))
            {
                if (path is not null)
                    yield return new SevenZipListedEntry(path, directory, link, block, size, encrypted);
                path = line["Path = ".Length..];
                directory = link = encrypted = false;
                block = null;
                size = 0;
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
                case "Encrypted":
                    encrypted |= value == "+";
                    break;
                case "Symbolic Link" or "Hard Link":
                    link |= value.Length > 0;
                    break;
                case "Block":
                    block = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int b) ? b : null;
                    break;
                case "Size":
                    size = long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n) ? n : 0;
                    break;
            }
        }
        if (path is not null)
            yield return new SevenZipListedEntry(path, directory, link, block, size, encrypted);
    }

    // The Unix mode string of a symbolic link, e.g. "lrwxrwxrwx" (alone in tar's Mode, after the Windows flags in Attributes).
    [GeneratedRegex(@"(^|\s)l[rwxsStT-]{9}(\s|$)")]
    private static partial Regex UnixLinkMode();
}
