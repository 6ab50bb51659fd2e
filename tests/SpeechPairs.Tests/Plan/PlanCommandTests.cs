using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Tests.Plan;

/// <summary>
/// <c>worker plan</c>: every setting and every bundle file is checked before any work, each problem naming its setting
/// or file, and a plan that fails writes nothing.
/// </summary>
public sealed class PlanCommandTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WorkDir => _temp.Combine("work");

    /// <summary>Every setting as shards.props fills it in for the demo, with this test's folders.</summary>
    private Dictionary<string, string> Defaults(string? bundle = null)
    {
        var archive = _temp.Combine("voices.7z");
        if (!File.Exists(archive))
            File.WriteAllBytes(archive, [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0, 4]);
        return new(StringComparer.OrdinalIgnoreCase)
        {
            ["Archive"] = archive, ["TokenizerDir"] = bundle ?? GoldenFixtures.BundleDir, ["WorkDir"] = WorkDir,
            ["ExtractDir"] = Path.Combine(WorkDir, "extracted"), ["Out"] = Path.Combine(WorkDir, "pairs.jsonl.gz"), ["Procs"] = "2",
            ["Scheduler"] = "local", ["TorchThreads"] = "1", ["OnnxThreads"] = "1", ["Resume"] = "true", ["ExcludePlaceholder"] = "true",
            ["Trim"] = "false", ["MaxDuration"] = "", ["Device"] = "auto", ["Dither"] = "0", ["BatchSeconds"] = "120", ["SkipExtract"] = "false",
            ["UseManagedExtractor"] = "false", ["Verify"] = "true", ["Report"] = "true", ["ShardIndices"] = "", ["TokenCache"] = "",
            ["SlurmPartition"] = "", ["SlurmAccount"] = "", ["SlurmQos"] = "", ["SlurmTime"] = "", ["SlurmMemPerTask"] = "3G",
            ["SlurmCpusPerTask"] = "1", ["SlurmMaxRunning"] = "0", ["SlurmArgs"] = "", ["SlurmRetries"] = "1", ["SlurmPollSeconds"] = "30",
            ["SlurmTools"] = Path.Combine(WorkDir, "tools"),
        };
    }

    private static (int ExitCode, string Stdout, string Stderr) Plan(IReadOnlyDictionary<string, string> settings, bool check = false, params string[] given)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new WorkerContext
        {
            Services = () => new WorkerServices(new TestWavReader(), _ => new FakeClipTokenizer()),
            Environment = _ => null,
            Output = stdout,
            Error = stderr,
        };
        string[] args = ["plan", .. check ? ["--check"] : Array.Empty<string>(),
            .. settings.SelectMany(s => new[] { "--set", $"{s.Key}={s.Value}" }), .. given.SelectMany(g => new[] { "--given", g })];
        var exit = WorkerCommandLine.Run(args, context);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private void AssertRefused(Dictionary<string, string> settings, string message)
    {
        var (exit, _, stderr) = Plan(settings);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("error: " + message, stderr);
        Assert.False(Directory.Exists(WorkDir) && Directory.EnumerateFileSystemEntries(WorkDir).Any(), "a refused plan wrote into WorkDir");
    }

    [SkippableFact]
    public void A_good_plan_writes_the_spec_with_its_identity_and_steps()
    {
        var (exit, stdout, stderr) = Plan(Defaults());
        Assert.True(exit == 0, stderr);
        var spec = JobSpec.Read(JobSpec.PathIn(WorkDir));
        Assert.Equal(16, spec.Identity.Length);
        Assert.Equal([JobStep.Extract, JobStep.Shards, JobStep.Merge, JobStep.Verify, JobStep.Report], spec.Steps);
        Assert.Equal(Path.Combine(WorkDir, "pairs.jsonl.gz"), spec.Out);
        Assert.Contains("SpeechPairs: 2 shard(s) on local", stdout);
    }

    [SkippableFact]
    public void A_check_writes_nothing()
    {
        Assert.Equal(0, Plan(Defaults(), check: true).ExitCode);
        Assert.False(Directory.Exists(WorkDir));
    }

    [SkippableTheory]
    [InlineData("Procs", "0", "Procs must be a whole number of at least 1, not '0'.")]
    [InlineData("Procs", "two", "Procs must be a whole number of at least 1, not 'two'.")]
    [InlineData("TorchThreads", "-1", "TorchThreads must be a whole number of at least 1")]
    [InlineData("OnnxThreads", "1.5", "OnnxThreads must be a whole number of at least 1")]
    [InlineData("Scheduler", "pbs", "Scheduler must be local or slurm, not 'pbs'.")]
    [InlineData("Device", "gpu", "Device must be auto, cpu, mps or cuda, not 'gpu'.")]
    [InlineData("Dither", "-1", "Dither must be a number of at least 0, not '-1'.")]
    [InlineData("Dither", "NaN", "Dither must be a number of at least 0, not 'NaN'.")]
    [InlineData("MaxDuration", "abc", "MaxDuration must be a number of seconds (or empty for no limit), not 'abc'.")]
    [InlineData("MaxDuration", "0", "MaxDuration must be more than 0 seconds, not '0'.")]
    [InlineData("BatchSeconds", "-5", "BatchSeconds must be more than 0 seconds, not '-5'.")]
    [InlineData("Out", "pairs.json", "Out must end in .jsonl.gz, .jsonl or .parquet")]
    [InlineData("Resume", "yes", "Resume must be true or false, not 'yes'.")]
    [InlineData("ExcludePlaceholder", "1", "ExcludePlaceholder must be true or false")]
    [InlineData("Trim", "maybe", "Trim must be true or false")]
    [InlineData("SkipExtract", "no", "SkipExtract must be true or false")]
    [InlineData("UseManagedExtractor", "on", "UseManagedExtractor must be true or false")]
    [InlineData("Verify", "0", "Verify must be true or false")]
    [InlineData("Report", "x", "Report must be true or false")]
    [InlineData("ShardIndices", "0,2", "ShardIndices must list shard indices from 0 to 1 (Procs=2) separated by commas; '2' is not one")]
    [InlineData("ShardIndices", "a", "ShardIndices must list shard indices from 0 to 1")]
    [InlineData("SlurmMemPerTask", "lots", "SlurmMemPerTask must be a size such as 3G")]
    [InlineData("SlurmCpusPerTask", "0", "SlurmCpusPerTask must be a whole number of at least 1")]
    [InlineData("SlurmMaxRunning", "-2", "SlurmMaxRunning must be a whole number (0 or empty: no limit)")]
    [InlineData("SlurmRetries", "once", "SlurmRetries must be a whole number of at least 0")]
    [InlineData("SlurmPollSeconds", "0", "SlurmPollSeconds must be more than 0 seconds")]
    [InlineData("WorkDir", "", "WorkDir must not be empty.")]
    [InlineData("ExtractDir", "", "ExtractDir must not be empty.")]
    [InlineData("Archive", "", "Archive must not be empty.")]
    [InlineData("Procz", "2", "unknown setting 'Procz'; did you mean 'Procs'?")]
    public void Each_bad_setting_is_refused_naming_it_and_nothing_is_written(string name, string value, string message)
    {
        var settings = Defaults();
        settings[name] = value;
        AssertRefused(settings, message);
    }

    [SkippableFact]
    public void Values_the_worker_always_took_are_taken_by_the_plan_too()
    {
        var settings = Defaults();
        settings["Dither"] = "1e-3"; // refused by the old regex in pipeline.proj, taken by the worker
        settings["ShardIndices"] = "1";
        settings["MaxDuration"] = "30.5";
        var (exit, _, stderr) = Plan(settings);
        Assert.True(exit == 0, stderr);
        var spec = JobSpec.Read(JobSpec.PathIn(WorkDir));
        Assert.Equal(1e-3f, spec.Dither);
        Assert.Equal([1], spec.ShardIndices);
        Assert.Equal(30.5, spec.MaxDuration);
    }

    [SkippableFact]
    public void Every_problem_is_reported_at_once()
    {
        var settings = Defaults();
        settings["Procs"] = "0";
        settings["Device"] = "gpu";
        var (_, _, stderr) = Plan(settings);
        Assert.Contains("error: Procs must be", stderr);
        Assert.Contains("error: Device must be", stderr);
    }

    [SkippableFact]
    public void An_archive_without_a_tokenizer_dir_is_refused()
    {
        var (exit, _, stderr) = Plan(Defaults(), false, "Archive");
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("Archive is set but TokenizerDir is not", stderr);
        Assert.Equal(0, Plan(Defaults(), true, "Archive", "TokenizerDir").ExitCode);
    }

    [SkippableFact]
    public void A_missing_or_unreadable_archive_is_refused_before_extraction()
    {
        var settings = Defaults();
        settings["Archive"] = _temp.Combine("no such.7z");
        AssertRefused(settings, $"Archive '{_temp.Combine("no such.7z")}' does not exist.");
        settings["Archive"] = _temp.Path;
        AssertRefused(settings, $"Archive '{_temp.Path}' is a folder: use -p:SkipExtract=true");
        File.WriteAllBytes(_temp.Combine("empty.7z"), []);
        settings["Archive"] = _temp.Combine("empty.7z");
        AssertRefused(settings, $"Archive '{_temp.Combine("empty.7z")}' is empty.");
    }

    [SkippableTheory]
    [InlineData("model.pt")]
    [InlineData("config.yaml")]
    [InlineData("am.mvn")]
    [InlineData("linguistic_tokenizer.npy")]
    [InlineData("speech_tokenizer_v1.onnx")]
    public void Each_missing_bundle_file_is_named_alone(string name)
    {
        var bundle = BundleCopy.Make(_temp);
        var path = new BundleLayout(bundle).Files.Single(f => f.Name == name).Path;
        File.Delete(path);

        var (exit, _, stderr) = Plan(Defaults(bundle));

        Assert.Equal(ExitCodes.Usage, exit);
        var error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: {path}: missing from the tokenizer bundle (TokenizerDir '{bundle}').", error);
    }

    [SkippableTheory]
    [InlineData("speech_tokenizer_v1.onnx", 0)]
    [InlineData("speech_tokenizer_v1.onnx", 2)]
    [InlineData("model.pt", 0)]
    [InlineData("model.pt", 2)]
    [InlineData("linguistic_tokenizer.npy", 0)]
    [InlineData("linguistic_tokenizer.npy", 2)]
    public void An_empty_or_truncated_bundle_file_is_named(string name, int keepParts)
    {
        var bundle = BundleCopy.Make(_temp);
        var path = new BundleLayout(bundle).Files.Single(f => f.Name == name).Path;
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * keepParts / 3)]); // empty, or two thirds of it

        var (exit, _, stderr) = Plan(Defaults(bundle));

        Assert.Equal(ExitCodes.Usage, exit);
        var error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {path}: ", error);
        Assert.False(Directory.Exists(WorkDir));
    }

    [SkippableFact]
    public void A_folder_that_is_no_bundle_is_named_as_such()
    {
        var settings = Defaults(_temp.Path);
        AssertRefused(settings, $"TokenizerDir '{_temp.Path}' is not a Step-Audio-Tokenizer bundle");
        settings["TokenizerDir"] = _temp.Combine("nowhere");
        AssertRefused(settings, $"TokenizerDir '{_temp.Combine("nowhere")}' does not exist.");
    }

    [SkippableFact]
    public void An_out_folder_that_cannot_be_made_is_refused()
    {
        File.WriteAllText(_temp.Combine("a file"), "");
        var settings = Defaults();
        settings["Out"] = _temp.Combine("a file", "pairs.jsonl.gz");
        AssertRefused(settings, $"Out: the folder of Out cannot be made: '{_temp.Combine("a file")}' is a file.");
    }

    [SkippableFact]
    public void A_token_cache_that_is_not_ours_is_refused_before_any_work_and_left_alone()
    {
        var foreign = _temp.Combine("pairs.jsonl.gz");
        File.WriteAllBytes(foreign, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        var before = File.ReadAllBytes(foreign);
        var settings = Defaults();
        settings["TokenCache"] = foreign;
        AssertRefused(settings, $"TokenCache '{foreign}' is not a SpeechPairs token cache");
        Assert.Equal(before, File.ReadAllBytes(foreign));
    }

    [SkippableFact]
    public void A_read_only_out_folder_is_refused_before_any_work()
    {
        using var readOnly = ReadOnlyMount.Create(_temp.Combine("ro"));
        var settings = Defaults();
        settings["Out"] = Path.Combine(readOnly.Path, "pairs.jsonl.gz");
        AssertRefused(settings, $"Out: the folder of Out cannot be written ('{readOnly.Path}': ");
    }

    [SkippableFact]
    public void A_read_only_work_dir_says_it_cannot_be_written()
    {
        using var readOnly = ReadOnlyMount.Create(_temp.Combine("ro"));
        var settings = Defaults();
        settings["WorkDir"] = readOnly.Path;
        settings["Out"] = _temp.Combine("out", "pairs.jsonl.gz");
        var (exit, _, stderr) = Plan(settings);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains($"error: WorkDir: '{readOnly.Path}' cannot be written", stderr);
        Assert.DoesNotContain("in use", stderr);
    }

    [SkippableFact]
    public void The_identity_has_no_path_in_it()
    {
        // The same archive, bundle and settings seen through two paths (a symbolic link): one identity.
        Assert.Equal(0, Plan(Defaults()).ExitCode);
        var first = JobSpec.Read(JobSpec.PathIn(WorkDir)).Identity;
        var link = _temp.Combine("elsewhere");
        Directory.CreateSymbolicLink(link, _temp.Path);
        var bundleLink = _temp.Combine("bundle link");
        Directory.CreateSymbolicLink(bundleLink, GoldenFixtures.BundleDir);
        var through = Defaults(bundleLink);
        foreach (var key in new[] { "Archive", "WorkDir", "ExtractDir", "Out", "SlurmTools" })
            through[key] = through[key].Replace(_temp.Path, link);
        Assert.Equal(0, Plan(through).ExitCode);
        Assert.Equal(first, JobSpec.Read(JobSpec.PathIn(Path.Combine(link, "work"))).Identity);

        var other = Defaults();
        other["Dither"] = "0.5";
        Assert.Equal(0, Plan(other).ExitCode);
        Assert.NotEqual(first, JobSpec.Read(JobSpec.PathIn(WorkDir)).Identity);
    }
}
