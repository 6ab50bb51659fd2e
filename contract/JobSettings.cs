using System.Globalization;
using System.Text.RegularExpressions;

namespace SpeechPairs.Contract;

/// <summary>
/// Every setting of a run, by the name users give it (<c>-p:Procs=6</c>, shards.props), parsed and checked here and
/// nowhere else. <see cref="Parse"/> turns the raw values into a <see cref="JobSpec"/> or a list of problems, each
/// naming its setting; what needs the file system (the archive, the bundle, writable folders) is checked by
/// <c>worker plan</c> on top of this. Adding a setting: a <see cref="JobSetting"/> here, the spec's field, shards.props
/// and the README's property table.
/// </summary>
public static partial class JobSettings
{
    /// <summary>The settings of the job, in shards.props order.</summary>
    public static readonly IReadOnlyList<JobSetting> All =
    [
        new("Archive", "the .7z (or zip/tar) of *.wav + same-stem *.lab"),
        new("TokenizerDir", "the Step-Audio-Tokenizer bundle"),
        new("WorkDir", "shard outputs, done records, logs, job.json"),
        new("ExtractDir", "where the clips are extracted"),
        new("Out", "merged pairs: .jsonl.gz, .jsonl or .parquet"),
        new("Procs", "shards (worker processes or Slurm array tasks)"),
        new("Scheduler", "local or slurm"),
        new("TorchThreads", "cores per worker"),
        new("OnnxThreads", "ONNX Runtime threads per vq06 run"),
        new("Resume", "continue interrupted shards"),
        new("ExcludePlaceholder", "skip the placeholder folder"),
        new("Trim", "trim silence before tokenizing"),
        new("MaxDuration", "exclude clips longer than this (seconds)"),
        new("Device", "auto, cpu, mps or cuda"),
        new("Dither", "fbank dither"),
        new("BatchSeconds", "seconds of audio per tokenizer call"),
        new("SkipExtract", "use ExtractDir as it is"),
        new("UseManagedExtractor", "extract with SharpCompress"),
        new("Verify", "verify the merged output"),
        new("Report", "write stats.json and the HTML report"),
        new("ShardIndices", "run only these shards here"),
        new("TokenCache", "SQLite token cache"),
        new("SlurmPartition", "sbatch --partition"),
        new("SlurmAccount", "sbatch --account"),
        new("SlurmQos", "sbatch --qos"),
        new("SlurmTime", "sbatch --time"),
        new("SlurmMemPerTask", "sbatch --mem of a shard task"),
        new("SlurmCpusPerTask", "sbatch --cpus-per-task of a shard task"),
        new("SlurmMaxRunning", "at most this many shard tasks at once"),
        new("SlurmArgs", "further sbatch arguments, ';'-separated"),
        new("SlurmRetries", "resubmissions of a failed shard task"),
        new("SlurmPollSeconds", "seconds between queue polls"),
        new("SlurmTools", "where the worker for the nodes is published"),
        new("ReferencePython", "-t:Parity: the interpreter of your Step-Audio environment"),
        new("StepAudioDir", "-t:Parity: your Step-Audio-EditX checkout (tokenizer.py)"),
        new("ReferenceTokens", "-t:Parity: a recorded reference output instead of running Python"),
        new("ParityClips", "-t:Parity: clips to sample"),
        new("ParitySeed", "-t:Parity: the sampling seed"),
    ];

    /// <summary>Settings of the build itself (pipeline.proj), not of the job: they never reach the worker.</summary>
    public static readonly IReadOnlyList<JobSetting> Build =
    [
        new("CleanExtract", "with -t:Clean, also remove ExtractDir"),
        new("ToolsConfiguration", "configuration of the tasks/worker build"),
        new("WorkerDll", "run this SpeechPairs.Worker.dll instead of building worker/"),
    ];

    /// <summary>Every name a user may set: <see cref="All"/> and <see cref="Build"/>.</summary>
    public static IEnumerable<string> Names => All.Concat(Build).Select(s => s.Name);

    /// <summary>
    /// The spec of these raw values (as MSBuild passes them: every setting, defaults filled in), or the problems.
    /// </summary>
    /// <param name="values">Setting name → raw value; a missing name counts as empty.</param>
    /// <param name="given">The settings the user gave (the rest are shards.props defaults).</param>
    /// <param name="root">What relative paths are relative to (the repository root for MSBuild).</param>
    public static (JobSpec? Spec, IReadOnlyList<string> Problems) Parse(
        IReadOnlyDictionary<string, string> values, IReadOnlySet<string> given, string root)
    {
        var reader = new Reader(values, root);
        foreach (var name in values.Keys.Where(n => !All.Any(s => s.Name.Equals(n, StringComparison.OrdinalIgnoreCase))))
            reader.Problem($"unknown setting '{name}'" + (Nearest(name) is { } near ? $"; did you mean '{near}'?" : "; see shards.props for the settings"));

        var skipExtract = reader.Bool("SkipExtract");
        var archive = skipExtract ? null : reader.Path("Archive", required: true);
        var workDir = reader.Path("WorkDir", required: true, folder: true);
        var extractDir = reader.Path("ExtractDir", required: true, folder: true);
        var tokenizerDir = reader.Path("TokenizerDir", required: true, folder: true);
        var output = reader.Path("Out", required: true);
        if (output is not null && OutputFormats.Of(output) is null)
            reader.Problem($"Out must end in .jsonl.gz, .jsonl or .parquet: '{output}'.");
        if (given.Contains("Archive") && !given.Contains("TokenizerDir"))
            reader.Problem("Archive is set but TokenizerDir is not: pass -p:TokenizerDir=path/to/Step-Audio-Tokenizer (the default bundle is a tiny random-weight test model whose tokens are meaningless).");
        if (skipExtract && given.Contains("ExtractDir") && !given.Contains("TokenizerDir"))
            reader.Problem("SkipExtract uses your ExtractDir but TokenizerDir is not set: pass -p:TokenizerDir=path/to/Step-Audio-Tokenizer (the default bundle is a tiny random-weight test model whose tokens are meaningless).");

        var procs = reader.Int("Procs", min: 1, "a whole number of at least 1");
        var scheduler = reader.Choice("Scheduler", ["local", "slurm"]);
        var torchThreads = reader.Int("TorchThreads", min: 1, "a whole number of at least 1");
        var onnxThreads = reader.Int("OnnxThreads", min: 1, "a whole number of at least 1");
        var maxDuration = reader.Seconds("MaxDuration", optional: true);
        var device = reader.Choice("Device", ["auto", "cpu", "mps", "cuda"]);
        var dither = reader.Number("Dither", "a number of at least 0", v => v >= 0);
        var shardIndices = reader.ShardIndices("ShardIndices", procs);
        var tokenCache = reader.Path("TokenCache", required: false);
        var slurm = new SlurmSettings
        {
            Partition = reader.Text("SlurmPartition"),
            Account = reader.Text("SlurmAccount"),
            Qos = reader.Text("SlurmQos"),
            Time = reader.Text("SlurmTime"),
            MemPerTask = reader.Memory("SlurmMemPerTask"),
            CpusPerTask = reader.Int("SlurmCpusPerTask", min: 1, "a whole number of at least 1", fallback: torchThreads),
            MaxRunning = reader.Int("SlurmMaxRunning", min: 0, "a whole number (0 or empty: no limit)", fallback: 0),
            Args = reader.List("SlurmArgs"),
            Retries = reader.Int("SlurmRetries", min: 0, "a whole number of at least 0"),
            PollSeconds = reader.Seconds("SlurmPollSeconds", optional: false) ?? 30,
            Tools = reader.Path("SlurmTools", required: false, folder: true) ?? "",
        };
        var parity = new ParitySettings
        {
            ReferencePython = reader.Path("ReferencePython", required: false),
            StepAudioDir = reader.Path("StepAudioDir", required: false, folder: true),
            ReferenceTokens = reader.Path("ReferenceTokens", required: false),
            Clips = reader.Int("ParityClips", min: 1, "a whole number of at least 1", fallback: ParitySettings.DefaultClips),
            Seed = (ulong)reader.Int("ParitySeed", min: 0, "a whole number of at least 0", fallback: 0),
        };
        var verify = reader.Bool("Verify");
        var report = reader.Bool("Report");
        var spec = new JobSpec
        {
            Archive = archive,
            ExtractDir = extractDir ?? "",
            SkipExtract = skipExtract,
            UseManagedExtractor = reader.Bool("UseManagedExtractor"),
            TokenizerDir = tokenizerDir ?? "",
            WorkDir = workDir ?? "",
            Out = output ?? "",
            Procs = procs,
            ShardIndices = shardIndices,
            Resume = reader.Bool("Resume"),
            ExcludePlaceholder = reader.Bool("ExcludePlaceholder"),
            MaxDuration = maxDuration,
            Device = device,
            Dither = (float)dither,
            Trim = reader.Bool("Trim"),
            TorchThreads = torchThreads,
            OnnxThreads = onnxThreads,
            BatchSeconds = reader.Seconds("BatchSeconds", optional: false) ?? JobSpec.DefaultBatchSeconds,
            TokenCache = tokenCache,
            Verify = verify,
            Report = report,
            Scheduler = scheduler == "slurm" ? Scheduler.Slurm : Scheduler.Local,
            Slurm = slurm,
            Parity = parity,
            Steps = JobSteps.For(skipExtract, verify, report),
        };
        return reader.Problems.Count == 0 ? (spec, []) : (null, reader.Problems);
    }

    /// <summary>The setting nearest to <paramref name="name"/> when it is close enough to be a typo.</summary>
    public static string? Nearest(string name)
    {
        var nearest = Names.MinBy(n => Distance(name.ToLowerInvariant(), n.ToLowerInvariant()));
        return nearest is not null && Distance(name.ToLowerInvariant(), nearest.ToLowerInvariant()) <= Math.Max(2, name.Length / 3) ? nearest : null;
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>Reads raw values, collecting one problem per bad setting.</summary>
    private sealed partial class Reader(IReadOnlyDictionary<string, string> values, string root)
    {
        public List<string> Problems { get; } = [];

        public void Problem(string text) => Problems.Add(text);

        private string Raw(string name) => values.TryGetValue(name, out var value) ? value.Trim() : "";

        public string? Text(string name) => Raw(name) is { Length: > 0 } value ? value : null;

        public bool Bool(string name)
        {
            var value = Raw(name);
            if (value.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
            if (value.Equals("false", StringComparison.OrdinalIgnoreCase) || value.Length == 0) return false;
            Problem($"{name} must be true or false, not '{value}'.");
            return false;
        }

        public int Int(string name, int min, string what, int? fallback = null)
        {
            var value = Raw(name);
            if (value.Length == 0 && fallback is { } f) return f;
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min) return n;
            Problem($"{name} must be {what}, not '{value}'.");
            return Math.Max(min, 1);
        }

        public double Number(string name, string what, Func<double, bool> ok)
        {
            var value = Raw(name);
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) && ok(n)) return n;
            Problem($"{name} must be {what}, not '{value}'.");
            return 0;
        }

        public double? Seconds(string name, bool optional)
        {
            var value = Raw(name);
            if (value.Length == 0 && optional) return null;
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n))
                Problem($"{name} must be a number of seconds{(optional ? " (or empty for no limit)" : "")}, not '{value}'.");
            else if (n <= 0)
                Problem($"{name} must be more than 0 seconds, not '{value}'.");
            else
                return n;
            return null;
        }

        public string Choice(string name, string[] choices)
        {
            var value = Raw(name);
            var match = choices.FirstOrDefault(c => c.Equals(value, StringComparison.OrdinalIgnoreCase));
            if (match is not null) return match;
            Problem($"{name} must be {string.Join(", ", choices[..^1])} or {choices[^1]}, not '{value}'.");
            return choices[0];
        }

        public string Memory(string name)
        {
            var value = Raw(name);
            if (MemorySize().IsMatch(value)) return value;
            Problem($"{name} must be a size such as 3G, 3000M or 3000000K, not '{value}'.");
            return "3G";
        }

        public IReadOnlyList<string> List(string name) =>
            Raw(name).Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        public IReadOnlyList<int> ShardIndices(string name, int procs)
        {
            var value = Raw(name);
            var selected = new SortedSet<int>();
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= procs)
                {
                    Problem($"{name} must list shard indices from 0 to {procs - 1} (Procs={procs}) separated by commas; '{part}' is not one ({name}='{value}').");
                    return [];
                }
                selected.Add(index);
            }
            return [.. selected];
        }

        /// <summary>An absolute path; relative ones are relative to the root. Taken literally: nothing in it is expanded.</summary>
        public string? Path(string name, bool required, bool folder = false)
        {
            var value = Raw(name);
            if (value.Length == 0)
            {
                if (required) Problem($"{name} must not be empty.");
                return null;
            }
            if (value.IndexOf('\0') >= 0)
            {
                Problem($"{name} must be a path, not '{value}'.");
                return null;
            }
            var full = System.IO.Path.GetFullPath(value, root);
            return folder ? System.IO.Path.TrimEndingDirectorySeparator(full) : full;
        }

        [GeneratedRegex(@"^[1-9][0-9]*[KMGT]?$", RegexOptions.IgnoreCase)]
        private static partial Regex MemorySize();
    }
}

/// <summary>A setting's name (the MSBuild property) and what it is for.</summary>
public sealed record JobSetting(string Name, string Summary);
