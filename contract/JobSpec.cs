namespace SpeechPairs.Contract;

/// <summary>
/// One run of the job, every setting interpreted and checked: what <c>worker plan</c> writes to
/// <c>WorkDir/job.json</c> and every other command (<c>--job</c>), every MSBuild target and the Slurm driver read.
/// Paths are absolute and literal. Settings are parsed and checked in one place, <see cref="JobSettings"/>.
/// </summary>
public sealed record JobSpec
{
    /// <summary>Bumped when the meaning of a field changes; a spec of another version is refused.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The spec's file in the work folder.</summary>
    public const string FileName = "job.json";

    public int Version { get; init; } = CurrentVersion;

    /// <summary>The archive to extract; null with <see cref="SkipExtract"/>.</summary>
    public string? Archive { get; init; }

    /// <summary>The extracted tree every step reads pairs from.</summary>
    public required string ExtractDir { get; init; }

    /// <summary>Use <see cref="ExtractDir"/> as it is: nothing is extracted.</summary>
    public bool SkipExtract { get; init; }

    public bool UseManagedExtractor { get; init; }

    public required string TokenizerDir { get; init; }

    public required string WorkDir { get; init; }

    /// <summary>The merged output; its name picks the format (<see cref="OutputFormats.Of"/>), its companions are named by <see cref="MergedOutputSet"/>.</summary>
    public required string Out { get; init; }

    /// <summary>How many shards (worker processes or array tasks).</summary>
    public int Procs { get; init; } = 1;

    /// <summary>The shards this machine runs; empty: all of them.</summary>
    public IReadOnlyList<int> ShardIndices { get; init; } = [];

    public bool Resume { get; init; } = true;

    public bool ExcludePlaceholder { get; init; } = true;

    /// <summary>Clips longer than this many seconds are excluded; null: no limit.</summary>
    public double? MaxDuration { get; init; }

    /// <summary>auto, cpu, mps or cuda.</summary>
    public string Device { get; init; } = "auto";

    public float Dither { get; init; }

    public bool Trim { get; init; }

    public int TorchThreads { get; init; } = 1;

    public int OnnxThreads { get; init; } = 1;

    /// <summary>Audio seconds per tokenizer call (bounds memory).</summary>
    public double BatchSeconds { get; init; } = DefaultBatchSeconds;

    public const double DefaultBatchSeconds = 120;

    /// <summary>The SQLite token cache; null: none.</summary>
    public string? TokenCache { get; init; }

    public bool Verify { get; init; } = true;

    public bool Report { get; init; } = true;

    public Scheduler Scheduler { get; init; }

    public SlurmSettings Slurm { get; init; } = new();

    /// <summary>-t:Parity's settings (the user's Step-Audio reference).</summary>
    public ParitySettings Parity { get; init; } = new();

    /// <summary>
    /// The content identity of this job's output (<see cref="JobIdentity"/>): what a done record and the merge record
    /// must carry for their files to count as this job's finished work. Empty until planned.
    /// </summary>
    public string Identity { get; init; } = "";

    /// <summary>The steps of the run, in order (<see cref="JobSteps"/>).</summary>
    public IReadOnlyList<JobStep> Steps { get; init; } = [];

    /// <summary>The merged output and its companions.</summary>
    public MergedOutputSet MergedSet() => new(Out);

    /// <summary>Shard <paramref name="index"/>'s files in the work folder.</summary>
    public ShardFiles Shard(int index) => ShardFiles.InWorkDir(WorkDir, index, Procs, ShardFiles.ShardsAreGzip(Out));

    /// <summary>The shards this machine runs.</summary>
    public IReadOnlyList<int> SelectedShards() => ShardIndices.Count > 0 ? ShardIndices : [.. Enumerable.Range(0, Procs)];

    /// <summary>
    /// The job's identity alone, rewritten only when it changes: the shards' MSBuild input. The spec itself holds paths,
    /// which differ between machines that mount the work folder elsewhere; the identity does not.
    /// </summary>
    public static string IdentityPathIn(string workDir) => Path.Combine(Path.GetFullPath(workDir), "job.identity");

    /// <summary>Where the spec of the run in <paramref name="workDir"/> is.</summary>
    public static string PathIn(string workDir) => Path.Combine(Path.GetFullPath(workDir), FileName);

    public void Write(string path) => ContractJson.WriteAtomically(path, this, indented: true);

    /// <summary>Whether the two specs would be written as the same bytes (lists compare by content, unlike record equality).</summary>
    public bool SameAs(JobSpec other) => ContractJson.Serialize(this) == ContractJson.Serialize(other);

    /// <summary>The spec at <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming the file when it is absent, unreadable or of another version.</summary>
    public static JobSpec Read(string path)
    {
        JobSpec? spec;
        try
        {
            spec = ContractJson.Read<JobSpec>(path);
        }
        catch (FileNotFoundException)
        {
            spec = null;
        }
        spec = spec
            ?? throw new InvalidDataException($"{path}: not a SpeechPairs job spec (run `worker plan` or the pipeline first)");
        if (spec.Version != CurrentVersion)
            throw new InvalidDataException($"{path}: job spec version {spec.Version}, this worker reads version {CurrentVersion}; plan the run again");
        return spec;
    }
}

/// <summary>Where the shards run.</summary>
public enum Scheduler
{
    Local,
    Slurm,
}

/// <summary>The merged output's format, from its name; shards write JSONL.gz for every compressed format.</summary>
public enum OutputFormat
{
    Jsonl,
    JsonlGzip,
    Parquet,
}

public static class OutputFormats
{
    /// <summary>The format a merged output name asks for, or null when it ends in none of .jsonl, .jsonl.gz, .parquet.</summary>
    public static OutputFormat? Of(string path) =>
        path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase) ? OutputFormat.JsonlGzip
        : path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Jsonl
        : path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Parquet
        : null;
}

/// <summary>The Slurm settings of a run (<c>sbatch</c> arguments and the driver's own).</summary>
public sealed record SlurmSettings
{
    public string? Partition { get; init; }
    public string? Account { get; init; }
    public string? Qos { get; init; }
    public string? Time { get; init; }
    public string MemPerTask { get; init; } = "3G";
    public int CpusPerTask { get; init; } = 2;
    public int MaxRunning { get; init; }
    public IReadOnlyList<string> Args { get; init; } = [];
    public int Retries { get; init; } = 1;
    public double PollSeconds { get; init; } = 30;

    /// <summary>Where the self-contained worker for the compute nodes is published.</summary>
    public string Tools { get; init; } = "";

    /// <summary>The published worker the job scripts run.</summary>
    public string WorkerExe() => Path.Combine(Tools, OperatingSystem.IsWindows() ? "SpeechPairs.Worker.exe" : "SpeechPairs.Worker");
}

/// <summary>The parity check's settings: the user's Step-Audio reference, or a recorded output of it, and the sample.</summary>
public sealed record ParitySettings
{
    public const int DefaultClips = 32;

    /// <summary>The interpreter of the user's Step-Audio environment.</summary>
    public string? ReferencePython { get; init; }

    /// <summary>The user's Step-Audio-EditX checkout (the folder with tokenizer.py).</summary>
    public string? StepAudioDir { get; init; }

    /// <summary>A recorded reference output to compare against instead of running Python.</summary>
    public string? ReferenceTokens { get; init; }

    public int Clips { get; init; } = DefaultClips;

    public ulong Seed { get; init; }
}
