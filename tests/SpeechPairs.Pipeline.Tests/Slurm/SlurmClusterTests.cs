namespace SpeechPairs.Pipeline.Tests.Slurm;

/// <summary>Proves the harness (and the Slurm behaviour the pipeline relies on) against a real cluster.</summary>
[Collection(SlurmCollection.Name)]
public sealed class SlurmClusterTests(SlurmClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";

    private string Submit(SlurmCluster cluster, string script, params string[] options) =>
        cluster.Submit([$"--chdir={temp.Path}", "--output=slurm-%A_%a.out", "--mem=50M", .. options, $"--wrap={script}"]);

    [SkippableFact]
    public void ArrayTasksRunAndWriteTheirTaskIds()
    {
        SlurmCluster cluster = fixture.Cluster;
        string job = Submit(cluster, $"echo $SLURM_ARRAY_TASK_ID > {Quote(temp.Path)}/task-$SLURM_ARRAY_TASK_ID.txt", "--array=0,2%1");
        Assert.Matches("^[0-9]+$", job);

        cluster.WaitForJob(job, JobTimeout);

        Assert.Equal("0\n", File.ReadAllText(temp["task-0.txt"]));
        Assert.Equal("2\n", File.ReadAllText(temp["task-2.txt"]));
        Assert.False(File.Exists(temp["task-1.txt"]));
        var states = cluster.JobStates(job);
        Assert.Equal(["COMPLETED", "COMPLETED"], states.Values);
        Assert.Equal([$"{job}_0", $"{job}_2"], states.Keys.Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void AfterokOnAFailedJobIsCancelledNotPendingForever()
    {
        SlurmCluster cluster = fixture.Cluster;
        string failing = Submit(cluster, "exit 1", "--array=0-1");
        string merge = Submit(cluster, "true", $"--dependency=afterok:{failing}");

        cluster.WaitForJob(merge, JobTimeout);

        Assert.All(cluster.JobStates(failing).Values, state => Assert.Equal("FAILED", state));
        var fields = Assert.Single(cluster.ShowJob(merge));
        Assert.Equal("CANCELLED", fields["JobState"]);
        Assert.Equal("DependencyNeverSatisfied", fields["Reason"]);
    }

    [SkippableFact]
    public void CancellingOneArrayTaskCancelsOnlyThatTask()
    {
        SlurmCluster cluster = fixture.Cluster;
        string marker = temp["started"];
        string job = Submit(cluster, $"touch {Quote(marker)}-$SLURM_ARRAY_TASK_ID; sleep 3", "--array=0-1");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!File.Exists(marker + "-0") && clock.Elapsed < JobTimeout)
            Thread.Sleep(100);
        Assert.True(File.Exists(marker + "-0"), "task 0 never started");

        cluster.Client("scancel", $"{job}_0").AssertSucceeded("scancel");
        cluster.WaitForJob(job, JobTimeout);

        var states = cluster.JobStates(job);
        Assert.Equal("CANCELLED", states[$"{job}_0"]);
        Assert.Equal("COMPLETED", states[$"{job}_1"]);
    }

    [SkippableFact]
    public void ExitCodeThreeIsFailedWithExitCode3()
    {
        SlurmCluster cluster = fixture.Cluster;
        string job = Submit(cluster, "exit 3");

        cluster.WaitForJob(job, JobTimeout);

        var fields = Assert.Single(cluster.ShowJob(job));
        Assert.Equal("FAILED", fields["JobState"]);
        Assert.Equal("3:0", fields["ExitCode"]);
        Assert.Equal("NonZeroExitCode", fields["Reason"]);
    }

    [SkippableFact]
    public void TasksSeeTheirSlurmEnvironment()
    {
        SlurmCluster cluster = fixture.Cluster;
        string job = Submit(cluster, $"env | grep -E '^SLURM_(ARRAY_TASK_ID|ARRAY_JOB_ID|JOB_ID|JOB_PARTITION)=' | sort > {Quote(temp.Path)}/env-$SLURM_ARRAY_TASK_ID.txt",
            "--array=5");

        cluster.WaitForJob(job, JobTimeout);

        var env = File.ReadAllLines(temp["env-5.txt"]).Select(line => line.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        Assert.Equal("5", env["SLURM_ARRAY_TASK_ID"]);
        Assert.Equal(job, env["SLURM_ARRAY_JOB_ID"]);
        Assert.Equal(SlurmCluster.Partition, env["SLURM_JOB_PARTITION"]);
        // A single-task array's task gets the array's id as its own job id.
        Assert.Equal(Assert.Single(cluster.ShowJob(job))["JobId"], env["SLURM_JOB_ID"]);
    }

    [SkippableFact]
    public void HarnessReportsItsStartup()
    {
        SlurmCluster cluster = fixture.Cluster;
        Assert.True(File.Exists(cluster.ConfPath));
        Assert.Contains("slurmctld.log", Directory.GetFiles(cluster.LogDirectory).Select(Path.GetFileName));
        Assert.True(fixture.StartupTime < TimeSpan.FromSeconds(30), $"startup took {fixture.StartupTime}");
        output.WriteLine($"cluster up (node idle) after {fixture.StartupTime.TotalSeconds:0.0} s");
    }
}
