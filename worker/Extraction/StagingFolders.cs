using System.Globalization;
using System.Text.RegularExpressions;

namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// The folders beside the extract folder that one run works in: <c>&lt;dir&gt;.partial-&lt;pid&gt;</c> receives the
/// extraction, <c>&lt;dir&gt;.partial-&lt;pid&gt;-old</c> holds the replaced extraction for a moment. Nothing the pipeline
/// reads is ever half written; what a killed run leaves behind carries its process id and is removed by the next run.
/// </summary>
internal sealed partial class StagingFolders
{
    private readonly string destination;

    public StagingFolders(string destination, int processId)
    {
        this.destination = Path.TrimEndingDirectorySeparator(destination);
        Partial = $"{this.destination}.partial-{processId.ToString(CultureInfo.InvariantCulture)}";
        Replaced = Partial + "-old";
    }

    /// <summary>The fresh folder the archive is extracted into.</summary>
    public string Partial { get; }

    /// <summary>Where the previous extraction goes while the new one is renamed into place.</summary>
    public string Replaced { get; }

    /// <summary>Removes the staging folders (and files) of runs whose process no longer exists; returns their names.</summary>
    public List<string> RemoveLeftovers(Func<int, bool> isProcessAlive)
    {
        var removed = new List<string>();
        string? parent = Path.GetDirectoryName(destination);
        if (parent is null || !Directory.Exists(parent))
            return removed;
        string prefix = Path.GetFileName(destination) + ".partial-";
        foreach (string path in Directory.EnumerateFileSystemEntries(parent, prefix + "*"))
        {
            Match match = OwnerId().Match(Path.GetFileName(path)[prefix.Length..]);
            if (!match.Success || !int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out int owner)
                || (owner != Environment.ProcessId && isProcessAlive(owner)))
                continue; // a concurrent run's, or not ours at all
            Delete(path);
            removed.Add(path);
        }
        return removed;
    }

    /// <summary>Puts the finished extraction in place of the extract folder, which is absent, empty or the pipeline's own.</summary>
    public void Promote()
    {
        if (Directory.Exists(destination))
        {
            Directory.Move(destination, Replaced);
            Directory.Move(Partial, destination);
            Delete(Replaced);
        }
        else
        {
            Directory.Move(Partial, destination);
        }
    }

    /// <summary>Removes what this run staged, after a failure or a stop.</summary>
    public void Discard()
    {
        Delete(Partial);
        Delete(Replaced);
    }

    // Removes a folder's entries without following links (Directory.Delete removes a link, never its target).
    private static void Delete(string path)
    {
        if (Directory.Exists(path) && !File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint))
            Directory.Delete(path, recursive: true);
        else if (File.Exists(path) || Directory.Exists(path))
            File.Delete(path);
    }

    // "<pid>", "<pid>-old" or "<pid>.exclude.txt" (7-Zip's list file).
    [GeneratedRegex(@"^(\d+)(-old|\.exclude\.txt)?$")]
    private static partial Regex OwnerId();
}
