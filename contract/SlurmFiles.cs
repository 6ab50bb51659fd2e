namespace SpeechPairs.Contract;

/// <summary>
/// The Slurm files of a work folder: job scripts, logs and job lists in <c>WorkDir/slurm/</c>, among them the list of
/// the jobs <c>-t:Submit</c> queued. While Slurm still has any of those queued or running, the work folder is theirs:
/// the WorkDir lock refuses every other run (<c>worker slurm submitted</c>).
/// </summary>
public static class SlurmFiles
{
    public const string Folder = "slurm";

    public static string FolderIn(string workDir) => Path.Combine(Path.GetFullPath(workDir), Folder);

    /// <summary>The job ids <c>-t:Submit</c> queued on <paramref name="workDir"/>, one a line, appended as each is queued.</summary>
    public static string SubmittedIn(string workDir) => Path.Combine(FolderIn(workDir), "submitted.jobs");

    /// <summary>The job ids of a list of jobs (a missing file: none); anything but a job id is skipped.</summary>
    public static IReadOnlyList<string> ReadJobIds(string path) =>
        File.Exists(path) ? [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && l.All(char.IsAsciiDigit)).Distinct()] : [];
}
