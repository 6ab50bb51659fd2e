using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker plan</c>, the one place the pipeline's settings are interpreted: with <see cref="CheckOnly"/> it
/// checks every setting and file before the run takes the work folder (nothing is written), else it writes
/// <c>WorkDir/job.json</c>. Either way it hands the targets what they need as items and properties: the steps to run,
/// the shards with their done records and logs, the merged output set. <see cref="PathsOnly"/> (for -t:Clean) only
/// parses the settings, without the worker and without checking files.
/// </summary>
public sealed class PlanJob : WorkerTool
{
    /// <summary>Every setting: the item is the name (shards.props), metadata <c>Value</c> its value, escaped for MSBuild.</summary>
    [Required] public ITaskItem[] Settings { get; set; } = [];

    /// <summary>What relative paths are relative to (the folder of pipeline.proj).</summary>
    [Required] public string Root { get; set; } = "";

    /// <summary>The settings the user gave, ';'-separated (the rest are shards.props defaults): Archive without TokenizerDir is refused.</summary>
    public string? Given { get; set; }

    public bool CheckOnly { get; set; }

    public bool PathsOnly { get; set; }

    [Output] public string SpecFile { get; private set; } = "";

    [Output] public string WorkDir { get; private set; } = "";

    [Output] public string ExtractDir { get; private set; } = "";

    [Output] public string Out { get; private set; } = "";

    /// <summary>The extraction's sentinel: a folder holding it was extracted by the pipeline (and -t:Clean may remove it).</summary>
    [Output] public string ExtractSentinel { get; private set; } = "";

    /// <summary>Where the worker for the Slurm nodes is published.</summary>
    [Output] public string SlurmTools { get; private set; } = "";

    [Output] public int Procs { get; private set; }

    [Output] public string Scheduler { get; private set; } = "";

    /// <summary>The MSBuild targets of the run's steps, in order (the Slurm run stands for extraction and shards).</summary>
    [Output] public ITaskItem[] StepTargets { get; private set; } = [];

    /// <summary>Every shard: the item is its done record; metadata ShardIndex, Log.</summary>
    [Output] public ITaskItem[] Shards { get; private set; } = [];

    /// <summary>The shards this machine runs (ShardIndices).</summary>
    [Output] public ITaskItem[] SelectedShards { get; private set; } = [];

    /// <summary>The merge record: written last by the merge, so the Merge target's output.</summary>
    [Output] public string MergeRecord { get; private set; } = "";

    /// <summary>Files -t:Clean removes: shard files, logs, Slurm scripts, the job spec and the merged output set with temporaries.</summary>
    [Output] public ITaskItem[] CleanFiles { get; private set; } = [];

    protected override string Command => "plan";

    protected override string Subject => "Checking the settings";

    private Dictionary<string, string> Values() =>
        Settings.ToDictionary(s => s.ItemSpec, s => s.GetMetadata("Value"), StringComparer.OrdinalIgnoreCase);

    private HashSet<string> GivenNames() =>
        new((Given ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);

    public override bool Execute()
    {
        if (PathsOnly)
        {
            var (spec, problems) = JobSettings.Parse(Values(), GivenNames(), Root);
            foreach (var problem in problems)
                Log.LogError(problem);
            if (spec is null)
                return false;
            Describe(spec);
            return true;
        }
        if (!base.Execute())
            return false;
        if (CheckOnly)
        {
            Describe(JobSettings.Parse(Values(), GivenNames(), Root).Spec!);
            return true;
        }
        // The worker wrote the spec where the settings put it; read back, it carries the identity the targets need.
        var path = JobSpec.PathIn(JobSettings.Parse(Values(), GivenNames(), Root).Spec!.WorkDir);
        try
        {
            Describe(JobSpec.Read(path));
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            Log.LogError($"worker plan left no readable job spec: {e.Message}");
            return false;
        }
    }

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        if (CheckOnly) arguments.AppendSwitch("--check");
        arguments.AppendSwitchIfNotNull("--root ", Root);
        foreach (var (name, value) in Values())
            arguments.AppendSwitchIfNotNull("--set ", $"{name}={value}");
        foreach (var name in GivenNames())
            arguments.AppendSwitchIfNotNull("--given ", name);
    }

    protected override bool HandleTaskExecutionErrors() => Log.HasLoggedErrors || base.HandleTaskExecutionErrors();

    private void Describe(JobSpec spec)
    {
        // String outputs are escaped by MSBuild itself; item specs and metadata are not (MsBuildText).
        SpecFile = JobSpec.PathIn(spec.WorkDir);
        WorkDir = spec.WorkDir + Path.DirectorySeparatorChar;
        ExtractDir = spec.ExtractDir + Path.DirectorySeparatorChar;
        Out = spec.Out;
        ExtractSentinel = Path.Combine(spec.ExtractDir, Contract.ExtractionSentinel.FileName);
        SlurmTools = spec.Slurm.Tools + Path.DirectorySeparatorChar;
        Procs = spec.Procs;
        Scheduler = spec.Scheduler.ToString().ToLowerInvariant();
        var set = spec.MergedSet();
        MergeRecord = set.Record;
        StepTargets = [.. Targets(spec).Select(t => MsBuildText.Item(t))];
        Shards = [.. Enumerable.Range(0, spec.Procs).Select(i => ShardItem(spec, i))];
        SelectedShards = [.. spec.SelectedShards().Select(i => Shards[i])];
        CleanFiles = [.. FilesToClean(spec).Select(f => MsBuildText.Item(f))];
    }

    private static ITaskItem ShardItem(JobSpec spec, int index) =>
        MsBuildText.Item(spec.Shard(index).Done,
            ("ShardIndex", index.ToString(CultureInfo.InvariantCulture)),
            ("Log", ShardFiles.Log(spec.WorkDir, index, spec.Procs)));

    private static IEnumerable<string> Targets(JobSpec spec)
    {
        foreach (var step in spec.Steps)
        {
            if (spec.Scheduler == Contract.Scheduler.Slurm && step == JobStep.Extract)
                continue;
            yield return spec.Scheduler == Contract.Scheduler.Slurm && step == JobStep.Shards ? "SlurmShards" : step.ToString();
        }
    }

    private static IEnumerable<string> FilesToClean(JobSpec spec)
    {
        IEnumerable<string> Matching(string folder, string pattern) =>
            Directory.Exists(folder) ? Directory.EnumerateFiles(folder, pattern) : [];
        var set = spec.MergedSet();
        var outFolder = Path.GetDirectoryName(set.Out)!;
        return Matching(spec.WorkDir, "shard-*")
            .Concat(Matching(Path.Combine(spec.WorkDir, ShardFiles.LogFolder), "shard-*"))
            .Concat(Matching(SlurmFiles.FolderIn(spec.WorkDir), "*"))
            .Concat(set.All.Where(File.Exists))
            .Concat(set.MergedMembers.SelectMany(m => Matching(outFolder, MergedOutputSet.TemporaryPattern(m))))
            .Concat(new[] { JobSpec.PathIn(spec.WorkDir), JobSpec.IdentityPathIn(spec.WorkDir) }.Where(File.Exists))
            .Distinct(StringComparer.Ordinal);
    }
}
