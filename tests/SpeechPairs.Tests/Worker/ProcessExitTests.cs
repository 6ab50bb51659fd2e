using SpeechPairs.Tests.Support;
using System.Diagnostics;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker;

namespace SpeechPairs.Tests.Worker;

public sealed class ProcessExitTests
{
    [SkippableFact]
    public void Watcher_reports_a_parent_that_is_gone_once()
    {
        var calls = 0;
        using var gone = new SemaphoreSlim(0);
        using var watcher = new ParentProcessWatcher(4242, TimeSpan.FromMilliseconds(10), _ => false, () =>
        {
            Interlocked.Increment(ref calls);
            gone.Release();
        });
        Assert.True(gone.Wait(TimeSpan.FromSeconds(10)));
        Thread.Sleep(100);
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [SkippableFact]
    public void Watcher_stays_quiet_while_the_parent_lives()
    {
        var checks = 0;
        var calls = 0;
        using (new ParentProcessWatcher(Environment.ProcessId, TimeSpan.FromMilliseconds(10), pid =>
               {
                   Interlocked.Increment(ref checks);
                   return ParentProcessWatcher.IsProcessAlive(pid);
               }, () => Interlocked.Increment(ref calls)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (Volatile.Read(ref checks) < 3 && DateTime.UtcNow < deadline)
                Thread.Sleep(10);
        }

        Assert.True(checks >= 3);
        Assert.Equal(0, calls);
    }

    [SkippableFact]
    public void Process_liveness_sees_running_and_exited_processes()
    {
        Assert.True(ParentProcessWatcher.IsProcessAlive(Environment.ProcessId));
        var start = OperatingSystem.IsWindows() ? new ProcessStartInfo("cmd", "/c exit 0") : new ProcessStartInfo("sh", "-c true");
        using var child = Process.Start(start)!;
        var pid = child.Id;
        child.WaitForExit();
        Assert.False(ParentProcessWatcher.IsProcessAlive(pid));
    }

    [SkippableFact]
    public void Exit_prepares_then_exits_only_once()
    {
        var events = new List<string>();
        using var signals = new ExitSignals(reason => events.Add("prepare " + reason), code => events.Add($"exit {code}"));
        signals.Exit("parent gone", ExitCodes.ParentExited);
        signals.Exit("again", ExitCodes.Terminated);
        Assert.Equal(["prepare parent gone", "exit 3"], events);
    }

    [SkippableFact]
    public void Stopping_for_exit_waits_for_no_write_blocks_later_ones_and_marks_progress_failed()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 12);
        var output = temp.Combine("out.jsonl.gz");
        var tokenizer = new GatedTokenizer();
        var runner = new ShardRunner(ShardHarness.Job(root, output, batchSeconds: 2), new TestWavReader(), () => tokenizer, new StringWriter());
        var worker = new Thread(() => runner.Run()) { IsBackground = true }; // stays blocked until the test host exits, as the process would have
        worker.Start();
        Assert.True(tokenizer.SecondBatchStarted.Wait(TimeSpan.FromSeconds(30)));

        runner.StopForExit("received SIGTERM");
        tokenizer.Release.Set();
        Assert.False(worker.Join(TimeSpan.FromMilliseconds(300)));

        var progress = System.Text.Json.JsonDocument.Parse(File.ReadAllText(output + ".progress.json")).RootElement;
        Assert.Equal("failed", progress.GetProperty("state").GetString());
        Assert.False(File.Exists(output + ".done"));
        if (OperatingSystem.IsWindows())
            return; // Windows refuses every reader while the worker holds the file
        var bytes = ReadPastTheWorkersLock(output);
        var recovered = JsonlRecovery.RecoverGzip(new MemoryStream(bytes), JsonlRecovery.PairLine);
        Assert.Equal(bytes.Length, recovered.GoodLength); // whole members only: the first batch
        Assert.Equal(tokenizer.FirstBatchSize, recovered.Ids.Count);
    }

    /// <summary>
    /// The worker holds its output exclusively (a .NET reader in this process would be refused); tools that take no lock,
    /// like cat, gzip or Python, read it fine.
    /// </summary>
    private static byte[] ReadPastTheWorkersLock(string path)
    {
        Assert.Throws<IOException>(() => File.ReadAllBytes(path));
        var start = new ProcessStartInfo("cat") { RedirectStandardOutput = true };
        start.ArgumentList.Add(path);
        using var cat = Process.Start(start)!;
        using var bytes = new MemoryStream();
        cat.StandardOutput.BaseStream.CopyTo(bytes);
        cat.WaitForExit();
        return bytes.ToArray();
    }

    /// <summary>Tokenizes the first batch at once, then holds the second until released.</summary>
    private sealed class GatedTokenizer : IClipTokenizer
    {
        private int _calls;

        public ManualResetEventSlim SecondBatchStarted { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public int FirstBatchSize { get; private set; }

        public IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips)
        {
            if (++_calls == 1)
                FirstBatchSize = clips.Count;
            else
            {
                SecondBatchStarted.Set();
                Release.Wait();
            }

            return clips.Select(FakeClipTokenizer.Tokenize).ToList();
        }

        public void Dispose()
        {
        }
    }
}
