using SpeechPairs.Tests.Support;
using System.Diagnostics;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Tokenizing;

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
    public void The_first_stop_cancels_once_and_decides_the_exit_code()
    {
        var (context, stderr, exits) = HostContext();
        var cancellations = 0;
        int code;
        using (var host = new ProcessHost("merge", context, parentId: null, unwind: TimeSpan.FromSeconds(30)))
        {
            code = host.Run(stopping =>
            {
                using var _ = stopping.Register(() => Interlocked.Increment(ref cancellations));
                host.Stop(StopReason.ParentGone(4242));
                host.Stop(StopReason.Terminate);
                stopping.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
                Assert.True(stopping.IsCancellationRequested);
                throw new OperationCanceledException(stopping);
            });
        }

        Assert.Equal(ExitCodes.ParentExited, code);
        Assert.Equal(1, cancellations);
        Assert.Empty(exits); // the body returned within its unwind time: no forced exit
        Assert.Equal(["worker merge: stopped by the exit of its parent process 4242 (exit code 3)"], Lines(stderr));
    }

    [SkippableFact]
    public void A_body_that_does_not_return_in_time_is_ended_with_the_stops_code()
    {
        var (context, stderr, exits) = HostContext();
        using var release = new ManualResetEventSlim();
        using var host = new ProcessHost("shard", context, parentId: null, unwind: TimeSpan.Zero);
        var body = new Thread(() => host.Run(_ =>
        {
            release.Wait(); // native work that cannot be cancelled
            return ExitCodes.Success;
        })) { IsBackground = true };
        body.Start();

        host.Stop(StopReason.Interrupt);

        Assert.True(SpinWait.SpinUntil(() => { lock (exits) return exits.Count > 0; }, TimeSpan.FromSeconds(30)));
        lock (exits)
            Assert.Equal([ExitCodes.Interrupted], exits);
        Assert.Equal(["worker shard: stopped by Ctrl+C (SIGINT) (exit code 130)"], Lines(stderr));
        release.Set();
        Assert.True(body.Join(TimeSpan.FromSeconds(30)));
        Assert.Single(Lines(stderr)); // reported once
    }

    [SkippableTheory]
    [InlineData(true, ExitCodes.Interrupted)]
    [InlineData(false, ExitCodes.Failed)]
    public void A_child_stopped_by_a_signal_is_the_stops_exit_code_when_this_process_is_stopped_too(bool stopped, int expected)
    {
        var (context, stderr, _) = HostContext();
        using var host = new ProcessHost("extract", context, parentId: null, unwind: TimeSpan.FromSeconds(30));
        var code = host.Run(_ =>
        {
            // The terminal's Ctrl+C, a moment later, from a thread of its own: a busy thread pool must not delay it past the wait.
            if (stopped)
                new Thread(() => { Thread.Sleep(200); host.Stop(StopReason.Interrupt); }) { IsBackground = true }.Start();
            throw new ChildInterruptedException("7-Zip was stopped by a signal (exit code 255)");
        });

        Assert.Equal(expected, code);
        Assert.Equal(stopped ? "worker extract: stopped by Ctrl+C (SIGINT) (exit code 130)" : "worker extract: 7-Zip was stopped by a signal (exit code 255)",
            Assert.Single(Lines(stderr)));
    }

    private static (WorkerContext Context, StringWriter Stderr, List<int> Exits) HostContext()
    {
        var stderr = new StringWriter();
        var exits = new List<int>();
        var context = new WorkerContext
        {
            Services = () => throw new InvalidOperationException("no services in these tests"),
            Environment = _ => null,
            Output = new StringWriter(),
            Error = TextWriter.Synchronized(stderr),
            ExitProcess = code => { lock (exits) exits.Add(code); },
        };
        return (context, stderr, exits);
    }

    private static string[] Lines(StringWriter writer)
    {
        lock (writer)
            return writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
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

        runner.StopForExit();
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
    private sealed class GatedTokenizer : TestTokenizer
    {
        private int _calls;

        public ManualResetEventSlim SecondBatchStarted { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public int FirstBatchSize { get; private set; }

        public override IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips)
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
    }
}
