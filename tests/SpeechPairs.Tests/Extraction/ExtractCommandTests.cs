using System.Diagnostics;
using System.Text;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Extraction;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Tests.Extraction;

/// <summary><c>worker extract</c> as a process: its options, exit codes, and what a stop leaves behind.</summary>
public sealed class ExtractCommandTests : IDisposable
{
    private readonly TempDir temp = new();

    public void Dispose() => temp.Dispose();

    private string SmallArchive()
    {
        string staging = temp.Combine("staging");
        TestArchives.WriteClips(staging, 2);
        string archive = temp.Combine("voices 语音.7z");
        TestArchives.Pack(staging, archive, ArchiveFormat.SevenZip);
        return archive;
    }

    [SkippableFact]
    public void HelpListsTheOptions()
    {
        (int exitCode, string output) = WorkerExtractProcess.Run("extract", "--help");
        Assert.Equal(ExitCodes.Success, exitCode);
        foreach (string option in new[] { "--archive", "--dest", "--managed", "--parent-pid" })
            Assert.Contains(option, output);
    }

    [SkippableFact]
    public void MissingOptionsAreAUsageError()
    {
        (int exitCode, string output) = WorkerExtractProcess.Run("extract", "--dest", temp.Combine("out"));
        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("--archive", output);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExtractsThenFindsTheExtractionUpToDate(bool managed)
    {
        string archive = SmallArchive(), destination = temp.Combine("out");
        string[] arguments = ["extract", "--archive", archive, "--dest", destination, .. managed ? new[] { "--managed" } : []];

        (int first, string firstOutput) = WorkerExtractProcess.Run(arguments);
        Assert.True(first == ExitCodes.Success, firstOutput);
        Assert.Equal(4, ExtractionSentinel.TryRead(Path.Combine(destination, ExtractionSentinel.FileName))!.Files);

        (int second, string secondOutput) = WorkerExtractProcess.Run(arguments);
        Assert.Equal(ExitCodes.Success, second);
        Assert.Contains("already extracted", secondOutput);
    }

    [SkippableFact]
    public void AFailureIsExitCodeOneWithOneLineNamingTheArchive()
    {
        string archive = temp.Combine("broken.7z");
        File.WriteAllBytes(archive, File.ReadAllBytes(SmallArchive())[..64]);

        (int exitCode, string output) = WorkerExtractProcess.Run("extract", "--archive", archive, "--dest", temp.Combine("out"));

        Assert.Equal(ExitCodes.Failed, exitCode);
        Assert.Contains($"worker extract: ", output);
        Assert.Contains(archive, output);
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    /// <summary>
    /// The parent (a sleeper standing in for the MSBuild node) dies, or the worker gets SIGINT or SIGTERM, while 7-Zip is
    /// decompressing: 7-Zip must be gone with the worker, and neither data nor a sentinel may be left. "terminal" is a
    /// terminal's Ctrl+C, which reaches 7-Zip too: 7-Zip fails first ("Break signaled"), yet the exit is the worker's 130.
    /// </summary>
    [SkippableTheory]
    [InlineData("parent", ExitCodes.ParentExited, "the exit of its parent process")]
    [InlineData("sigint", ExitCodes.Interrupted, "Ctrl+C (SIGINT)")]
    [InlineData("sigterm", ExitCodes.Terminated, "SIGTERM")]
    [InlineData("terminal", ExitCodes.Interrupted, "Ctrl+C (SIGINT)")]
    public void AStopDuringExtractionKillsSevenZipAndLeavesNothing(string stop, int expectedExitCode, string reason)
    {
        if (!OperatingSystem.IsLinux())
            return; // finds 7-Zip through /proc

        string archive = SlowSolidArchive();
        string destination = temp.Combine("out");
        using Process sleeper = Process.Start(new ProcessStartInfo("sleep", "600"))!;
        using Process worker = WorkerExtractProcess.Start(
            ["extract", "--archive", archive, "--dest", destination, "--parent-pid", sleeper.Id.ToString()], out StringBuilder output);
        try
        {
            // Catch 7-Zip at work and freeze it (SIGSTOP): it can then only go away by being killed, not by finishing.
            int sevenZip = 0;
            Assert.True(WaitFor(() =>
            {
                sevenZip = WorkerExtractProcess.ProcessesMentioning(archive)
                    .FirstOrDefault(id => id != worker.Id && ProgramName(id) == Path.GetFileName(TestArchives.SevenZip));
                return sevenZip != 0 || worker.HasExited;
            }, TimeSpan.FromMinutes(1), poll: TimeSpan.Zero), $"7-Zip never started:\n{output}");
            Assert.False(worker.HasExited, $"the extraction finished before it could be stopped:\n{output}");
            Signal("-STOP", sevenZip);

            switch (stop)
            {
                case "parent":
                    sleeper.Kill();
                    sleeper.WaitForExit(); // reaped: gone from /proc
                    break;
                case "terminal":
                    // 7-Zip handles its Ctrl+C first and exits 255 before the worker's own SIGINT arrives.
                    Signal("-INT", sevenZip);
                    Signal("-CONT", sevenZip);
                    Assert.True(WaitFor(() => ProgramName(sevenZip) != Path.GetFileName(TestArchives.SevenZip), TimeSpan.FromSeconds(10)),
                        "7-Zip did not stop on SIGINT");
                    Signal("-INT", worker.Id);
                    break;
                default:
                    Signal(stop == "sigint" ? "-INT" : "-TERM", worker.Id);
                    break;
            }

            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), $"the worker did not stop:\n{output}");
            worker.WaitForExit();
            Assert.True(worker.ExitCode == expectedExitCode, $"exit code {worker.ExitCode}:\n{output}");
            lock (output)
            {
                Assert.Contains($"worker extract: stopped by {reason}", output.ToString());
                Assert.DoesNotContain("could not extract", output.ToString());
            }
            // The worker kills 7-Zip before it exits; a few seconds only for the orphaned child to be reaped.
            Assert.True(WaitFor(() => WorkerExtractProcess.ProcessesMentioning(archive).Count == 0, TimeSpan.FromSeconds(3)),
                "7-Zip is still running");
            Assert.False(Directory.Exists(destination));
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path, "out.*"));
        }
        finally
        {
            if (!sleeper.HasExited)
                sleeper.Kill();
            if (!worker.HasExited)
                worker.Kill(entireProcessTree: true);
            foreach (int leftover in WorkerExtractProcess.ProcessesMentioning(archive))
                try { Process.GetProcessById(leftover).Kill(); } catch (ArgumentException) { }
        }
    }

    /// <summary>
    /// A 7z of three solid blocks is extracted by several 7-Zip processes side by side. SIGINT, SIGTERM: the worker kills
    /// them all before it exits (130, 143). SIGKILL: no handler runs, so each 7-Zip must be ended by the kernel when its parent
    /// dies (the parent-death signal); the killed worker's staging folder stays for the next run to remove.
    /// </summary>
    [SkippableTheory]
    [InlineData("INT", ExitCodes.Interrupted)]
    [InlineData("TERM", ExitCodes.Terminated)]
    [InlineData("KILL", 128 + 9)]
    public void AStopDuringASideBySideExtractionLeavesNoSevenZip(string signal, int expectedExitCode)
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "finds 7-Zip through /proc; the parent-death signal is Linux's");
        Skip.If(Environment.ProcessorCount < 2, "one core: one 7-Zip process");

        string archive = SlowSolidArchive(blocks: 3);
        string destination = temp.Combine("out");
        using Process worker = WorkerExtractProcess.Start(["extract", "--archive", archive, "--dest", destination], out StringBuilder output);
        try
        {
            int lanes = Math.Min(Environment.ProcessorCount, 3);
            string sideBySide = $"solid blocks in {lanes} 7-Zip processes side by side";
            string sevenZipName = Path.GetFileName(TestArchives.SevenZip);
            List<int> sevenZips = [];
            Assert.True(WaitFor(() =>
            {
                // Only processes that already are 7-Zip (their program's name), not a launcher about to become it.
                sevenZips = WorkerExtractProcess.ProcessesMentioning(archive)
                    .Where(id => id != worker.Id && ProgramName(id) == sevenZipName).ToList();
                bool logged;
                lock (output)
                    logged = output.ToString().Contains(sideBySide);
                return (logged && sevenZips.Count >= lanes) || worker.HasExited;
            }, TimeSpan.FromMinutes(1), poll: TimeSpan.Zero), $"{lanes} 7-Zip processes never ran side by side:\n{output}");
            Assert.False(worker.HasExited, $"the extraction finished before it could be stopped:\n{output}");
            // Frozen, 7-Zip can only go away by being killed, not by finishing or by failing to write its output.
            foreach (int id in sevenZips)
                Signal("-STOP", id);

            Signal("-" + signal, worker.Id);

            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), $"the worker did not stop:\n{output}");
            worker.WaitForExit();
            Assert.True(worker.ExitCode == expectedExitCode, $"exit code {worker.ExitCode}:\n{output}");
            Assert.True(WaitFor(() => WorkerExtractProcess.ProcessesMentioning(archive).Count == 0, TimeSpan.FromSeconds(5)),
                $"7-Zip is still running after the worker's SIG{signal}: {string.Join(", ", WorkerExtractProcess.ProcessesMentioning(archive))}");
            Assert.False(Directory.Exists(destination));
            if (signal != "KILL")
                Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path, "out.*"));
        }
        finally
        {
            if (!worker.HasExited)
                worker.Kill(entireProcessTree: true);
            foreach (int leftover in WorkerExtractProcess.ProcessesMentioning(archive))
                try { Process.GetProcessById(leftover).Kill(); } catch (ArgumentException) { }
        }
    }

    // PPMd decompresses as slowly as it compresses: a few megabytes keep 7-Zip busy long enough to be caught. With
    // several blocks, one big clip per block (-ms=2f: a wav and its lab to a block).
    private string SlowSolidArchive(int blocks = 1)
    {
        string staging = temp.Combine("slow");
        var random = new Random(5);
        var data = new byte[4_000_000];
        for (int block = 0; block < blocks; block++)
        {
            for (int i = 0; i < data.Length; i++)
                data[i] = (byte)('a' + random.Next(16));
            TestArchive.WriteFile(staging, $"big/long clip {block}.wav", data);
            TestArchive.WriteFile(staging, $"big/long clip {block}.lab", "长"u8.ToArray());
        }
        string archive = temp.Combine("slow.7z");
        TestArchives.Pack(staging, archive, ArchiveFormat.SevenZip, blocks == 1 ? "-ms=on" : "-ms=2f", "-m0=PPMd:mem=64m:o=32");
        Directory.Delete(staging, recursive: true);
        return archive;
    }

    // The name the kernel gives a process from the program it executes ("" once it is gone).
    private static string ProgramName(int processId)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId}/comm").TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static void Signal(string signal, int processId)
    {
        using Process kill = Process.Start("kill", [signal, processId.ToString()])!;
        kill.WaitForExit();
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                return false;
            Thread.Sleep(poll ?? TimeSpan.FromMilliseconds(50));
        }
        return true;
    }
}
