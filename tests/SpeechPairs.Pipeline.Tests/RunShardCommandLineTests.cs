using System.Reflection;
using SpeechPairs.Contract;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>The worker command line RunShard builds (running it needs the real worker: see the end-to-end tests).</summary>
public sealed class RunShardCommandLineTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static string CommandLine(RunShard task) =>
        (string)typeof(RunShard).GetMethod("GenerateCommandLineCommands", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(task, null)!;

    [SkippableFact]
    public void PassesTheJobSpecAndTheShardIndexAndNoSettingOfItsOwn()
    {
        string workDir = temp["解压 work"];
        new JobSpec { ExtractDir = "/data/x", TokenizerDir = "/m", WorkDir = workDir, Out = Path.Combine(workDir, "pairs.jsonl.gz"), Procs = 4 }
            .Write(JobSpec.PathIn(workDir));
        var task = new RunShard
        {
            BuildEngine = new RecordingBuildEngine(),
            WorkerAssembly = "/w/SpeechPairs.Worker.dll",
            JobFile = JobSpec.PathIn(workDir),
            ShardIndex = 1,
        };

        string line = CommandLine(task);

        Assert.StartsWith("/w/SpeechPairs.Worker.dll shard ", line);
        Assert.Contains($"--job \"{JobSpec.PathIn(workDir)}\"", line); // quoted: the path has a space
        Assert.Contains("--shard-index 1", line);
        Assert.Matches(@"--parent-pid \d+$", line);
        foreach (var setting in new[] { "--extract-dir", "--tokenizer-dir", "--out", "--dither", "--device", "--resume", "--shard-count" })
            Assert.DoesNotContain(setting, line);
    }
}
