using System.Text.RegularExpressions;

namespace SpeechPairs.Tasks;

/// <summary>
/// The names of a shard's files in the work folder. The shard count is part of every name, so runs with
/// different Procs never read or resume each other's shards.
/// </summary>
internal static partial class ShardFiles
{
    public const string ProgressPattern = "shard-*-of-*.progress.json";

    public static string Output(string workDir, int index, int count, string extension) =>
        Path.Combine(workDir, $"shard-{index}-of-{count}{extension}");

    public static string Sentinel(string workDir, int index, int count) =>
        Path.Combine(workDir, $"shard-{index}-of-{count}.ok");

    public static string Log(string workDir, int index, int count) =>
        Path.Combine(workDir, "logs", $"shard-{index}-of-{count}.log");

    /// <summary>The worker's own companion files of an output: FILE.errors.jsonl and FILE.progress.json.</summary>
    public static string Errors(string output) => output + ".errors.jsonl";

    public static string Progress(string output) => output + ".progress.json";

    /// <summary>Index and count from a progress file name such as shard-2-of-6.jsonl.gz.progress.json.</summary>
    public static bool TryParseProgressName(string path, out int index, out int count)
    {
        Match match = ProgressName().Match(Path.GetFileName(path));
        index = match.Success ? int.Parse(match.Groups[1].Value) : -1;
        count = match.Success ? int.Parse(match.Groups[2].Value) : -1;
        return match.Success && index < count;
    }

    [GeneratedRegex(@"^shard-(\d{1,6})-of-(\d{1,6})\.jsonl(\.gz)?\.progress\.json$")]
    private static partial Regex ProgressName();
}
