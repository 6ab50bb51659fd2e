namespace SpeechPairs.Tasks;

/// <summary>Which archive entries the pipeline extracts, and where each may be written.</summary>
internal static class ArchiveEntryPaths
{
    /// <summary>The 7-Zip include filters (recursive, see <c>-ir!</c>: <c>-i!</c> matches only the archive root).</summary>
    public static readonly string[] SevenZipIncludeSwitches = ["-ir!*.wav", "-ir!*.lab"];

    public static bool IsWanted(string entryPath) =>
        entryPath.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)
        || entryPath.EndsWith(".lab", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The full path an entry extracts to, or null when the entry would land outside
    /// <paramref name="destination"/> (absolute paths, drive letters, <c>..</c> segments).
    /// Both separators count: 7-Zip treats a backslash in an entry name as one.
    /// </summary>
    public static string? ResolveInside(string destination, string entryPath)
    {
        if (entryPath.Length == 0 || entryPath[0] is '/' or '\\' || HasDriveOrStream(entryPath))
            return null;
        string[] segments = entryPath.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0 || segments.Any(s => s == ".."))
            return null;

        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination)) + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine([root, .. segments]));
        return full.StartsWith(root, StringComparison.Ordinal) ? full : null;
    }

    // "C:x" is rooted on Windows, where any ':' also names an alternate data stream; elsewhere ':' is an ordinary character.
    private static bool HasDriveOrStream(string entryPath) =>
        (entryPath.Length >= 2 && char.IsAsciiLetter(entryPath[0]) && entryPath[1] == ':')
        || (OperatingSystem.IsWindows() && entryPath.Contains(':'));
}
