using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Tests.Verify;

/// <summary><c>worker verify</c> and <c>worker report</c> from the command line: exit codes and what they print.</summary>
public sealed class VerifyCommandLineTests
{
    [SkippableFact]
    public void A_right_output_exits_0_with_a_summary()
    {
        using var world = new VerifyWorld();
        var (code, stdout, stderr) = Invoke(VerifyArgs(world));

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.StartsWith("verified: 15 pairs: 13 records, 1 errors, 1 too long;", stdout);
        Assert.Contains("2 shards checked", stdout);
    }

    [SkippableFact]
    public void Problems_exit_1_with_counts_per_kind_and_example_ids()
    {
        using var world = new VerifyWorld();
        var deleted = VerifyWorld.MergedRecordOf(world.RecordLines[0]).Id;
        world.RecordLines.RemoveAt(0);
        world.WriteMerged();

        var (code, _, stderr) = Invoke(VerifyArgs(world));

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("  missing: 1\n", stderr);
        Assert.Contains($"    {deleted}: neither a record nor an error line", stderr);
        Assert.Contains("  shard: ", stderr);
    }

    [SkippableTheory]
    [InlineData("--work-dir")]
    [InlineData("--examples")]
    public void Bad_arguments_exit_2(string option)
    {
        using var world = new VerifyWorld();
        string[] args = option == "--work-dir"
            ? ["verify", "--out", world.Output, "--extract-dir", world.ExtractDir, "--work-dir", world.WorkDir]
            : ["verify", "--out", world.Output, "--extract-dir", world.ExtractDir, "--examples", "-1"];

        var (code, _, stderr) = Invoke(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("worker verify: ", stderr);
    }

    [SkippableFact]
    public void A_missing_output_cannot_be_verified_and_exits_1()
    {
        using var world = new VerifyWorld();
        File.Delete(world.Output);

        var (code, _, stderr) = Invoke(VerifyArgs(world));

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("output not found", stderr);
    }

    [SkippableFact]
    public void Report_writes_the_stats_and_the_page()
    {
        using var world = new VerifyWorld();
        var (code, stdout, stderr) = Invoke(["report", "--out", world.Output, "--extract-dir", world.ExtractDir, "--work-dir", world.WorkDir, "--exclude-placeholder"]);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.StartsWith("report: 13 clips", stdout);
        Assert.True(File.Exists(world.Output + ".stats.json"));
        Assert.True(File.Exists(world.Output + ".report.html"));
    }

    private static string[] VerifyArgs(VerifyWorld world) =>
    [
        "verify", "--out", world.Output, "--extract-dir", world.ExtractDir, "--work-dir", world.WorkDir,
        "--shard-count", VerifyWorld.ShardCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--exclude-placeholder", "--max-duration", VerifyWorld.MaxDuration.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    private static (int Code, string Stdout, string Stderr) Invoke(string[] args)
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
        var code = WorkerCommandLine.Run(args, context);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
