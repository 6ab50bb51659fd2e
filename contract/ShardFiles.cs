using System.Globalization;
using System.Text.RegularExpressions;

namespace SpeechPairs.Contract;

/// <summary>
/// The files of one shard, all named after its output. In a work folder the output is <c>shard-I-of-N.jsonl.gz</c>
/// (or <c>.jsonl</c>): the shard count is part of every name, so runs with different shard counts never read or
/// resume each other's files. A stand-alone worker may be given any output name; the companions follow it.
/// </summary>
/// <param name="Output">The JSONL output; gzip (one member per batch) when the name ends in <c>.gz</c>.</param>
public sealed partial record ShardFiles(string Output)
{
    /// <summary>Where <see cref="InWorkDir"/> puts the shards' log files.</summary>
    public const string LogFolder = "logs";

    /// <summary>Matches every shard's done record in a work folder.</summary>
    public const string DonePattern = "shard-*-of-*.done";

    /// <summary>Matches every shard's progress document in a work folder.</summary>
    public const string ProgressPattern = "shard-*-of-*.progress.json";

    /// <summary>One line per clip that got no tokens (always plain JSONL).</summary>
    public string Errors => ErrorsFile.Beside(Output);

    /// <summary>The shard's <see cref="DoneRecord"/>, written last: a shard without it is unfinished.</summary>
    public string Done => Output + ".done";

    /// <summary>The shard's <see cref="ProgressDocument"/>, replaced atomically every few seconds.</summary>
    public string Progress => Output + ".progress.json";

    /// <summary>Token-cache entries this shard tokenized (JSONL), added to the cache by the merge.</summary>
    public string CacheEntries => Output + ".cache.jsonl";

    public bool IsGzip => Output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the shards of a run whose merged output is <paramref name="mergedOutput"/> write gzip: always, except for a
    /// plain <c>.jsonl</c> output (a Parquet output is made from gzip shards: Parquet cannot be resumed after a kill).
    /// </summary>
    public static bool ShardsAreGzip(string mergedOutput) => OutputFormats.Of(mergedOutput) != OutputFormat.Jsonl;

    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/> in a work folder.</summary>
    /// <param name="gzip">Whether shard outputs are <c>.jsonl.gz</c> (else <c>.jsonl</c>).</param>
    public static ShardFiles InWorkDir(string workDir, int index, int count, bool gzip) =>
        new(Path.Combine(Path.GetFullPath(workDir), Name(index, count) + (gzip ? ".jsonl.gz" : ".jsonl")));

    /// <summary>The log of every run of shard <paramref name="index"/> of <paramref name="count"/> in a work folder.</summary>
    public static string Log(string workDir, int index, int count) =>
        Path.Combine(Path.GetFullPath(workDir), LogFolder, Name(index, count) + ".log");

    /// <summary>How messages name a shard: <c>shard 2 of 6</c>.</summary>
    public static string Describe(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"shard {index} of {count}");

    /// <summary>Index and count from any file name of a shard in a work folder, e.g. <c>shard-2-of-6.jsonl.gz.done</c>.</summary>
    public static bool TryParseName(string path, out int index, out int count)
    {
        var match = NamePattern().Match(Path.GetFileName(path));
        index = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        count = match.Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : -1;
        return match.Success && index < count;
    }

    private static string Name(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"shard-{index}-of-{count}");

    [GeneratedRegex(@"^shard-(\d{1,6})-of-(\d{1,6})\.")]
    private static partial Regex NamePattern();
}
