using System.Text;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Extraction;

/// <summary>Which archive entries the pipeline extracts, and where each may be written.</summary>
internal static class ArchiveEntryPaths
{
    /// <summary>The longest file or folder name, in UTF-8 bytes, that Linux and macOS file systems accept (NAME_MAX).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>The 7-Zip include filters (recursive, see <c>-ir!</c>: <c>-i!</c> matches only the archive root).</summary>
    public static readonly string[] SevenZipIncludeSwitches = ["-ir!*.wav", "-ir!*.lab"];

    public static bool IsWanted(string entryPath) =>
        entryPath.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)
        || entryPath.EndsWith(".lab", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The full path an entry extracts to, or null when the entry would land outside
    /// <paramref name="destination"/> (absolute paths, drive letters, <c>..</c> segments).
    /// Both separators count for that check (7-Zip on Windows treats a backslash as one), but on Unix a
    /// backslash stays part of the name, as 7-Zip writes it there and as <see cref="PairFinder"/> reads it.
    /// </summary>
    public static string? ResolveInside(string destination, string entryPath)
    {
        if (entryPath.Length == 0 || entryPath[0] is '/' or '\\' || HasDriveOrStream(entryPath))
            return null;
        string[] checkedSegments = entryPath.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (checkedSegments.Length == 0 || checkedSegments.Any(s => s == ".."))
            return null;

        string[] segments = OperatingSystem.IsWindows() ? checkedSegments : entryPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination)) + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine([root, .. segments]));
        return full.StartsWith(root, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>True when a folder or file name on the entry's path is longer than the file system takes.</summary>
    public static bool HasTooLongName(string entryPath) =>
        entryPath.Split('/').Any(segment => Encoding.UTF8.GetByteCount(segment) > MaxNameBytes);

    // "C:x" is rooted on Windows, where any ':' also names an alternate data stream; elsewhere ':' is an ordinary character.
    private static bool HasDriveOrStream(string entryPath) =>
        (entryPath.Length >= 2 && char.IsAsciiLetter(entryPath[0]) && entryPath[1] == ':')
        || (OperatingSystem.IsWindows() && entryPath.Contains(':'));
}
