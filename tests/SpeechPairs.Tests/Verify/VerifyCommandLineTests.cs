using System.Diagnostics;
using SpeechPairs.Tests.Extraction;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Contract;
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

    /// <summary>
    /// <c>worker verify</c> as a process, stopped while it reads: its errors file is a FIFO whose writer (a sleeper)
    /// never writes, so the verify waits in a read it cannot finish. The stop ends it with the signal's code and one
    /// line, and the merged output it was reading is untouched.
    /// </summary>
    [SkippableTheory]
    [InlineData("INT", ExitCodes.Interrupted, "Ctrl+C (SIGINT)")]
    [InlineData("TERM", ExitCodes.Terminated, "SIGTERM")]
    public void A_stopped_verify_exits_with_the_signals_code_and_leaves_the_output_as_it_was(string signal, int expectedExitCode, string reason)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo, env --default-signal and /proc");
        using var world = new VerifyWorld();
        var merged = File.ReadAllBytes(world.Output);
        File.Delete(world.Errors);
        RunTool("mkfifo", world.Errors);
        using var writer = Process.Start("sh", ["-c", "exec sleep 600 > \"$0\"", world.Errors])!;
        using var verify = WorkerExtractProcess.Start(VerifyArgs(world), out var output);
        try
        {
            // The worker holds the FIFO open: it is reading the errors file.
            Assert.True(SpinWait.SpinUntil(() => Reads(verify.Id, world.Errors) || verify.HasExited, TimeSpan.FromMinutes(1)),
                $"the verify never opened its errors file:\n{output}");
            Assert.False(verify.HasExited, $"the verify ended before it could be stopped:\n{output}");

            RunTool("kill", $"-{signal}", verify.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

            Assert.True(verify.WaitForExit(TimeSpan.FromSeconds(30)), $"the verify did not stop:\n{output}");
            verify.WaitForExit();
            Assert.True(verify.ExitCode == expectedExitCode, $"exit code {verify.ExitCode}:\n{output}");
            lock (output)
                Assert.Contains($"worker verify: stopped by {reason} (exit code {expectedExitCode})", output.ToString());
            Assert.Equal(merged, File.ReadAllBytes(world.Output));
        }
        finally
        {
            if (!verify.HasExited)
                verify.Kill();
            writer.Kill();
        }
    }

    private static bool Reads(int processId, string path)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget == path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // exited while we looked
        }
    }

    private static void RunTool(string program, params string[] arguments)
    {
        using var process = Process.Start(program, arguments);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed");
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
