using System.Text.RegularExpressions;
using SpeechPairs.Contract;

namespace SpeechPairs.Pipeline.Tests.Slurm;

/// <summary>
/// <c>-p:Scheduler=slurm</c> against a real single-node Slurm cluster: the same shards, resume rules and bytes as a
/// local run. The self-contained worker is published once per test run into a shared folder (SlurmTools).
/// </summary>
[Collection(SlurmCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed partial class SlurmPipelineTests(SlurmClusterFixture fixture) : IDisposable
{
    private static readonly string Tools = Path.Combine(Path.GetTempPath(), $"speechpairs-slurm-tools-{Environment.ProcessId}") + Path.DirectorySeparatorChar;
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private Dictionary<string, string> Settings(string archive, string work, int procs = 2, bool slurm = true)
    {
        var settings = new Dictionary<string, string>
        {
            ["Archive"] = archive,
            ["TokenizerDir"] = RepoPaths.TokenizerBundle,
            ["WorkDir"] = work + Path.DirectorySeparatorChar,
            ["Procs"] = procs.ToString(),
            ["TorchThreads"] = "1",
        };
        if (slurm)
        {
            settings["Scheduler"] = "slurm";
            settings["SlurmTools"] = Tools;
            settings["SlurmPollSeconds"] = "0.5";
            settings["SlurmMemPerTask"] = "1G";
            settings["SlurmCpusPerTask"] = "1";
        }
        return settings;
    }

    private ProcessRunner.Result Run(SlurmCluster cluster, Dictionary<string, string> settings, params string[] extra) =>
        Pipeline.Run(settings.GetValueOrDefault("Scheduler") == "slurm" ? 1 : 2, settings, cluster.Environment, extra);

    private string LocalReference(string archive, int procs = 2)
    {
        string work = temp["local"];
        if (!File.Exists(Path.Combine(work, "pairs.jsonl.gz")))
            Pipeline.Run(procs, Settings(archive, work, procs, slurm: false)).AssertSucceeded("local reference run");
        return Path.Combine(work, "pairs.jsonl.gz");
    }

    private string ManyClips(int count)
    {
        string archive = temp[$"clips {count}.7z"];
        if (!File.Exists(archive))
            ClipTree.Pack(archive, ClipTree.Many(count), temp.Path);
        return archive;
    }

    private static void AssertSameFiles(string expected, string actual)
    {
        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(actual));
        Assert.Equal(File.ReadAllBytes(expected + ".errors.jsonl"), File.ReadAllBytes(actual + ".errors.jsonl"));
    }

    [SkippableFact]
    public void TheDemoThroughSlurmEqualsALocalRunByteForByte()
    {
        SlurmCluster cluster = fixture.Cluster;
        string work = temp["slurm"];

        ProcessRunner.Result run = Run(cluster, Settings(RepoPaths.DemoArchive, work)).AssertSucceeded("Slurm run");

        Assert.Matches(@"Submitted the extraction as Slurm job \d+", run.Output);
        Assert.Matches(@"Submitted 2 shard tasks as Slurm job array \d+ \(--array=0,1", run.Output);
        Assert.Matches(@"0/2\s+done", run.Output); // the progress table while waiting
        Assert.Contains("verified:", run.Output);
        AssertSameFiles(LocalReference(RepoPaths.DemoArchive), Path.Combine(work, "pairs.jsonl.gz"));
        Assert.True(File.Exists(Path.Combine(Tools, "SpeechPairs.Worker")), "the self-contained worker was not published");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(work, "slurm"), "shard-*_1.log"));

        // Everything is done: a second run submits nothing and merges again to the same bytes.
        ProcessRunner.Result again = Run(cluster, Settings(RepoPaths.DemoArchive, work)).AssertSucceeded("second Slurm run");
        Assert.DoesNotContain("Submitted", again.Output);
        AssertSameFiles(LocalReference(RepoPaths.DemoArchive), Path.Combine(work, "pairs.jsonl.gz"));
    }

    [SkippableFact]
    public void SubmitReturnsAtOnceAndTheMergeJobFinishesTheRun()
    {
        SlurmCluster cluster = fixture.Cluster;
        string work = temp["submitted"];

        ProcessRunner.Result submitted = Run(cluster, Settings(RepoPaths.DemoArchive, work), "-t:Submit").AssertSucceeded("Submit");

        Match ids = SubmittedJobs().Match(submitted.Output);
        Assert.True(ids.Success, submitted.Output);
        string[] jobs = ids.Groups[1].Value.Split(" -> ");
        Assert.Equal(3, jobs.Length); // extraction, shard array, merge
        cluster.WaitForQueueEmpty(TimeSpan.FromMinutes(4));
        Assert.Equal("COMPLETED", cluster.JobState(jobs[2]));
        AssertSameFiles(LocalReference(RepoPaths.DemoArchive), Path.Combine(work, "pairs.jsonl.gz"));
    }

    /// <summary>
    /// After -t:Submit returns, its jobs hold the WorkDir: -t:Clean and a local run on it are refused, naming the jobs,
    /// and change nothing. The jobs themselves run (their own list does not stop them); once they have ended, -t:Clean is
    /// accepted and the stale list is gone.
    /// </summary>
    [SkippableFact]
    public void SubmittedJobsHoldTheWorkDirUntilTheyEnd()
    {
        SlurmCluster cluster = fixture.Cluster;
        string work = temp["held"];
        var settings = Settings(RepoPaths.DemoArchive, work);
        settings["SlurmArgs"] = "--begin=now+1hour"; // queued, not yet running: the test lets them start below

        ProcessRunner.Result submitted = Run(cluster, settings, "-t:Submit").AssertSucceeded("Submit");
        string[] jobs = SubmittedJobs().Match(submitted.Output).Groups[1].Value.Split(" -> ");
        Assert.Equal(3, jobs.Length);
        var before = Snapshot(work);

        foreach (var (what, run) in new (string, Func<ProcessRunner.Result>)[]
                 {
                     ("-t:Clean", () => Run(cluster, settings, "-t:Clean", "-p:CleanExtract=true")),
                     ("a local run", () => Run(cluster, Settings(RepoPaths.DemoArchive, work, slurm: false))),
                 })
        {
            ProcessRunner.Result refused = run();
            Assert.True(refused.ExitCode != 0, $"{what} was not refused:\n{refused.Output}");
            Assert.Contains($"WorkDir '{work}' is in use by Slurm jobs {string.Join(", ", jobs)} submitted by -t:Submit", refused.Output);
            Assert.Equal(before, Snapshot(work));
        }

        // Let the jobs start; they finish the run despite the list that names them.
        foreach (string job in jobs)
            cluster.Client("scontrol", "update", $"JobId={job}", "StartTime=now").AssertSucceeded("scontrol update StartTime");
        foreach (string job in jobs)
            cluster.WaitForJob(job, TimeSpan.FromMinutes(4));
        Assert.Equal("COMPLETED", cluster.JobState(jobs[2]));
        AssertSameFiles(LocalReference(RepoPaths.DemoArchive), Path.Combine(work, "pairs.jsonl.gz"));

        Run(cluster, settings, "-t:Clean").AssertSucceeded("-t:Clean after the jobs ended");
        Assert.False(File.Exists(SlurmFiles.SubmittedIn(work)), "the stale list of submitted jobs is still there");
        Assert.False(File.Exists(Path.Combine(work, "pairs.jsonl.gz")), "-t:Clean removed nothing");
    }

    /// <summary>Every file under <paramref name="folder"/> with its bytes (as text, so that xunit compares them by value).</summary>
    private static SortedDictionary<string, string> Snapshot(string folder) =>
        new(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToBase64String(File.ReadAllBytes(f))), StringComparer.Ordinal);

    [SkippableFact]
    public void ACancelledTaskThenARerunResumesToTheSameBytes()
    {
        SlurmCluster cluster = fixture.Cluster;
        string archive = ManyClips(240);
        string work = temp["cancelled"];
        var settings = Settings(archive, work);
        settings["SlurmRetries"] = "0";

        // Queue everything, then cancel shard 1's task as soon as it has written its first batch.
        ProcessRunner.Result submitted = Run(cluster, settings, "-t:Submit").AssertSucceeded("Submit");
        string[] jobs = SubmittedJobs().Match(submitted.Output).Groups[1].Value.Split(" -> ");
        string victim = ShardFiles.InWorkDir(work, 1, 2, gzip: true).Output;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (!(File.Exists(victim) && new FileInfo(victim).Length > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "shard 1 never wrote its first batch");
            Thread.Sleep(20);
        }
        Assert.False(File.Exists(ShardFiles.InWorkDir(work, 1, 2, gzip: true).Done), "shard 1 finished before it could be cancelled; use more clips");
        cluster.Client("scancel", $"{jobs[1]}_1").AssertSucceeded("scancel");
        cluster.WaitForQueueEmpty(TimeSpan.FromMinutes(4));
        Assert.StartsWith("CANCELLED", cluster.JobStates(jobs[1])[$"{jobs[1]}_1"]);
        Assert.False(File.Exists(Path.Combine(work, "pairs.jsonl.gz")), "the merge job ran although a shard was cancelled");

        // The same command again: only shard 1 is resubmitted, and it resumes.
        ProcessRunner.Result rerun = Run(cluster, settings).AssertSucceeded("re-run");
        Assert.Matches(@"Submitted 1 shard task as Slurm job array \d+ \(--array=1;", rerun.Output);
        Assert.Contains("resumed", File.ReadAllText(Directory.GetFiles(Path.Combine(work, "slurm"), "shard-*_1.log").OrderBy(File.GetLastWriteTimeUtc).Last()));
        AssertSameFiles(LocalReference(archive), Path.Combine(work, "pairs.jsonl.gz"));
    }

    [SkippableTheory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public void StoppingTheDriverCancelsTheJobsItQueuedAndOnlyThose(string signal)
    {
        SlurmCluster cluster = fixture.Cluster;
        // A job of someone else's in the same queue: the stop must leave it alone.
        // Held until later (--begin), so it waits in the queue without taking the node from the run.
        string bystander = cluster.Submit("--wrap", "true", "--job-name", "bystander", "--begin", "now+1hour", "--output", temp["bystander.out"]);
        string archive = ManyClips(240);
        string work = temp[$"stopped {signal}"];
        var settings = Settings(archive, work);
        using (var build = StartAsFromATerminal(cluster, settings, out var output))
        {
            try
            {
                string array = WaitForShardArray(build, output);
                ProcessRunner.Run("kill", [$"-{signal}", build.Id.ToString()]).AssertSucceeded($"kill -{signal}");
                Assert.True(build.WaitForExit(TimeSpan.FromMinutes(2)), $"msbuild did not stop after SIG{signal}");
                build.WaitForExit();
                Assert.NotEqual(0, build.ExitCode);

                // Every job of the run leaves the queue cancelled; the bystander still runs.
                Assert.True(SpinWait.SpinUntil(() => !cluster.Client("squeue", "-h", "-o", "%A", "-j", array).Output.Trim().Any(char.IsDigit),
                    TimeSpan.FromSeconds(60)), $"the shard array {array} was not cancelled:\n{output}");
                Assert.All(cluster.JobStates(array).Values, state => Assert.StartsWith("CANCELLED", state));
            }
            finally
            {
                if (!build.HasExited)
                    build.Kill(entireProcessTree: true);
            }
        }
        Assert.Equal("PENDING", cluster.JobState(bystander));
        cluster.Client("scancel", bystander).AssertSucceeded("scancel the bystander");
        Assert.False(File.Exists(Path.Combine(work, "pairs.jsonl.gz")));
    }

    /// <summary>
    /// The signal goes to the <c>worker slurm run</c> process alone (not MSBuild): the worker cancels the jobs it queued,
    /// exits with the signal's code and says so, and the build fails with that; the extraction it finished stays.
    /// </summary>
    [SkippableTheory]
    [InlineData("INT", 130, "Ctrl+C (SIGINT)")]
    [InlineData("TERM", 143, "SIGTERM")]
    public void AStoppedSlurmWorkerCancelsItsJobsAndExitsWithTheSignalsCode(string signal, int exitCode, string reason)
    {
        SlurmCluster cluster = fixture.Cluster;
        string bystander = cluster.Submit("--wrap", "true", "--job-name", "bystander", "--begin", "now+1hour", "--output", temp["bystander.out"]);
        string archive = ManyClips(240);
        string work = temp[$"worker stopped {signal}"];
        var settings = Settings(archive, work);
        using (var build = StartAsFromATerminal(cluster, settings, out var output))
        {
            try
            {
                string array = WaitForShardArray(build, output);
                int worker = Assert.Single(WorkerProcesses.Running("slurm run", work));
                ProcessRunner.Run("kill", [$"-{signal}", worker.ToString()]).AssertSucceeded($"kill -{signal}");

                Assert.True(build.WaitForExit(TimeSpan.FromMinutes(2)), $"msbuild did not stop after its worker's SIG{signal}:\n{output}");
                build.WaitForExit();
                Assert.NotEqual(0, build.ExitCode);
                lock (output)
                {
                    Assert.Contains($"worker slurm run: stopped by {reason} (exit code {exitCode})", output.ToString());
                    Assert.Contains($"failed with exit code {exitCode}", output.ToString());
                }
                Assert.Empty(WorkerProcesses.Running("slurm run", work));
                Assert.True(SpinWait.SpinUntil(() => !cluster.Client("squeue", "-h", "-o", "%A", "-j", array).Output.Trim().Any(char.IsDigit),
                    TimeSpan.FromSeconds(60)), $"the shard array {array} was not cancelled:\n{output}");
                Assert.All(cluster.JobStates(array).Values, state => Assert.StartsWith("CANCELLED", state));
                Assert.True(File.Exists(Path.Combine(work, "extracted", ExtractionSentinel.FileName)), "the finished extraction is gone");
            }
            finally
            {
                if (!build.HasExited)
                    build.Kill(entireProcessTree: true);
            }
        }
        Assert.Equal("PENDING", cluster.JobState(bystander));
        cluster.Client("scancel", bystander).AssertSucceeded("scancel the bystander");
    }

    /// <summary>
    /// Starts the build as a terminal does: SIGINT at its default (a test host started in the background ignores it, and
    /// children inherit that), for MSBuild and the workers it starts. env executes msbuild in its own place, so the
    /// process's id is msbuild's.
    /// </summary>
    private static System.Diagnostics.Process StartAsFromATerminal(SlurmCluster cluster, Dictionary<string, string> settings, out System.Text.StringBuilder output) =>
        ProcessRunner.Start("env", ["--default-signal=INT", ProcessRunner.Dotnet, .. Pipeline.Arguments(1, settings)], RepoPaths.Root, out output, cluster.Environment);

    /// <summary>The job id of the shard array once the build has queued it.</summary>
    private static string WaitForShardArray(System.Diagnostics.Process build, System.Text.StringBuilder output)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline && !build.HasExited, "the shard array was never submitted:\n" + output);
            lock (output)
                if (ShardArray().Match(output.ToString()) is { Success: true } m)
                    return m.Groups[1].Value;
            Thread.Sleep(50);
        }
    }

    [GeneratedRegex(@"as Slurm job array (\d+)")]
    private static partial Regex ShardArray();

    [SkippableFact]
    public void AFailingTaskIsRetriedThenReportedWithItsStateAndLog()
    {
        SlurmCluster cluster = fixture.Cluster;
        // A bundle that passes the login node's checks but cannot be loaded on the node: every shard task exits 1. The
        // plan reads the ONNX file's top-level structure only; a graph of garbage bytes is found when ONNX Runtime loads it.
        string bundle = temp["broken bundle"];
        CopyDirectory(RepoPaths.TokenizerBundle, bundle);
        File.WriteAllBytes(Path.Combine(bundle, "speech_tokenizer_v1.onnx"), [0x08, 0x07, 0x3A, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        string work = temp["failing"];
        var settings = Settings(RepoPaths.DemoArchive, work);
        settings["TokenizerDir"] = bundle;
        settings["SlurmRetries"] = "1";

        ProcessRunner.Result run = Run(cluster, settings);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Matches(@"Submitted 2 shard tasks as Slurm job array \d+", run.Output);
        Assert.Contains("Resubmitting 2 shards that did not finish (retry 1 of 1)", run.Output);
        Match failure = TaskFailure().Match(run.Output);
        Assert.True(failure.Success, run.Output);
        Assert.Contains("cannot load the tokenizer", File.ReadAllText(failure.Groups["log"].Value));
        Assert.Contains("2 shards of 2 failed on Slurm after 1 retry", run.Output);
        Assert.False(File.Exists(Path.Combine(work, "pairs.jsonl.gz")));
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"Submitted Slurm jobs ([0-9 \->]+);")]
    private static partial Regex SubmittedJobs();

    [GeneratedRegex(@"shard 0 of 2: Slurm job \d+_0 ended FAILED \(exit code 1:0\); log (?<log>[^\r\n]+?\.log)")]
    private static partial Regex TaskFailure();
}
