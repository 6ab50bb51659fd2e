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
        // As a terminal starts it: SIGINT at its default (a test host started in the background ignores it, and
        // children inherit that). env executes msbuild in its own place, so the pid is msbuild's.
        using (var build = ProcessRunner.Start("env", ["--default-signal=INT", ProcessRunner.Dotnet, .. Pipeline.Arguments(1, settings)],
                   RepoPaths.Root, out var output, cluster.Environment))
        {
            try
            {
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
                string? array = null;
                while (array is null)
                {
                    Assert.True(DateTime.UtcNow < deadline && !build.HasExited, "the shard array was never submitted:\n" + output);
                    lock (output)
                        array = ShardArray().Match(output.ToString()) is { Success: true } m ? m.Groups[1].Value : null;
                    Thread.Sleep(50);
                }
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
