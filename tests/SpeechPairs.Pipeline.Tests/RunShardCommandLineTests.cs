using System.Reflection;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>The worker command line RunShard builds (running it needs the real worker: see the end-to-end tests).</summary>
public sealed class RunShardCommandLineTests
{
    private static string CommandLine(RunShard task) =>
        (string)typeof(RunShard).GetMethod("GenerateCommandLineCommands", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(task, null)!;

    private static RunShard Task(Action<RunShard>? configure = null)
    {
        var task = new RunShard
        {
            BuildEngine = new RecordingBuildEngine(),
            WorkerAssembly = "/w/SpeechPairs.Worker.dll",
            ExtractDir = "/data/解压 dir/",
            TokenizerDir = "/models/Step-Audio-Tokenizer/",
            ShardOutput = "/data/run/shard-1-of-4.jsonl.gz",
            ShardIndex = 1,
            ShardCount = 4,
            Dither = "0",
            Device = "auto",
            TorchThreads = 2,
            OnnxThreads = 1,
        };
        configure?.Invoke(task);
        return task;
    }

    [Fact]
    public void FollowsTheWorkerContract()
    {
        string line = CommandLine(Task(t => { t.ExcludePlaceholder = true; t.Trim = true; t.MaxDuration = "30"; }));

        Assert.StartsWith("/w/SpeechPairs.Worker.dll shard ", line);
        Assert.Contains("--extract-dir \"/data/解压 dir\"", line); // quoted, trailing separator trimmed
        Assert.Contains("--out /data/run/shard-1-of-4.jsonl.gz", line);
        Assert.Contains("--tokenizer-dir /models/Step-Audio-Tokenizer ", line);
        Assert.Contains("--shard-count 4 --shard-index 1", line);
        Assert.DoesNotContain("--no-done", line); // the worker writes the done record
        Assert.Contains("--exclude-placeholder", line);
        Assert.Contains("--trim", line);
        Assert.Contains("--max-duration 30", line);
        Assert.Contains("--dither 0", line);
        Assert.Contains("--device auto", line);
        Assert.Contains("--torch-threads 2", line);
        Assert.Contains("--onnx-threads 1", line);
        Assert.Matches(@"--parent-pid \d+$", line);
        Assert.DoesNotContain("--resume", line);
        Assert.Contains("--resume", CommandLine(Task(t => t.Resume = true)));    }

    [Fact]
    public void OptionalSwitchesAreLeftOut()
    {
        string line = CommandLine(Task(t => { t.MaxDuration = ""; t.Dither = null; }));
        Assert.DoesNotContain("--exclude-placeholder", line);
        Assert.DoesNotContain("--trim", line);
        Assert.DoesNotContain("--max-duration", line);
        Assert.DoesNotContain("--dither", line);
    }
}
