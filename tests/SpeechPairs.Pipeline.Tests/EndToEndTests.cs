using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>
/// The whole pipeline on real solid 7z archives with the real worker and the tiny fixture bundle. Needs
/// worker/ to implement the shard and tokenize commands, and 7zz on PATH. Filter them out with
/// `dotnet test --filter Category!=EndToEnd`.
/// </summary>
[Collection(PipelineCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed class EndToEndTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static string WorkerDll =>
        Path.Combine(RepoPaths.Root, "worker", "bin", RepoPaths.Configuration, "net10.0", "SpeechPairs.Worker.dll");

    private string Archive(IReadOnlyList<Clip> clips, string name = "voices 语音.7z")
    {
        string archive = temp[name];
        if (!File.Exists(archive))
            ClipTree.Pack(archive, clips, temp.Path);
        return archive;
    }

    private static Dictionary<string, string> Settings(string archive, string workDir, int procs) => new()
    {
        ["Archive"] = archive,
        ["TokenizerDir"] = RepoPaths.TokenizerBundle,
        ["WorkDir"] = workDir + Path.DirectorySeparatorChar,
        ["Procs"] = procs.ToString(),
    };

    private static ProcessRunner.Result RunPipeline(int procs, Dictionary<string, string> settings) =>
        Pipeline.Run(procs, settings).AssertSucceeded($"pipeline with Procs={procs}");

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryPairMatchesTheWorkersTokenizeCommand(bool managedExtractor)
    {
        string work = temp["work"];
        var settings = Settings(Archive(ClipTree.Varied), work, procs: 2);
        if (managedExtractor)
            settings["UseManagedExtractor"] = "true";

        ProcessRunner.Result run = RunPipeline(2, settings);

        Assert.Contains(managedExtractor ? "SharpCompress" : "7-Zip", run.Output);
        Assert.Contains("[shard 1/2]", run.Output); // progress lines reach the log at normal verbosity
        string extracted = Path.Combine(work, "extracted");
        AssertMatchesTokenize(ClipTree.Varied, extracted,
            ClipTree.ReadLines(Path.Combine(work, "pairs.jsonl.gz")),
            File.ReadAllLines(Path.Combine(work, "pairs.jsonl.gz.errors.jsonl")));
        Assert.True(File.Exists(Path.Combine(work, "shard-0-of-2.jsonl.gz.done")) && File.Exists(Path.Combine(work, "shard-1-of-2.jsonl.gz.done")));

        // Nothing changed: nothing is extracted or tokenized again.
        ProcessRunner.Result again = RunPipeline(2, settings);
        Assert.Contains("already extracted", again.Output);
        Assert.DoesNotContain("[shard ", again.Output);
    }

    private static void AssertMatchesTokenize(IReadOnlyList<Clip> clips, string extracted, string[] pairs, string[] errors)
    {
        var tokenizable = clips.Where(c => c.Kind is ClipKind.Paired or ClipKind.Corrupt).ToList();
        Dictionary<string, JsonElement> reference = Tokenize(tokenizable.Select(c => Path.Combine(extracted, c.RelativeWav)));

        var byWav = pairs.Select(line => JsonDocument.Parse(line).RootElement).ToDictionary(p => p.GetProperty("rel_wav").GetString()!);
        var failed = errors.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("rel_wav").GetString()!).ToHashSet();
        Assert.Equal(byWav.Count, pairs.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()).Distinct().Count());

        foreach (Clip clip in tokenizable)
        {
            JsonElement expected = reference[Path.GetFullPath(Path.Combine(extracted, clip.RelativeWav))];
            // A clip the tokenizer accepts but that yields no complete token group (too short) is an error record.
            if (expected.TryGetProperty("error", out _) || expected.GetProperty("tokens").GetString() == "")
            {
                Assert.Contains(clip.RelativeWav, failed);
                Assert.False(byWav.ContainsKey(clip.RelativeWav), $"{clip.RelativeWav} failed to tokenize but is in the output");
                continue;
            }
            Assert.True(byWav.TryGetValue(clip.RelativeWav, out JsonElement pair), $"{clip.RelativeWav} is missing from the output");
            Assert.Equal(expected.GetProperty("tokens").GetString(), pair.GetProperty("tokens").GetString());
            Assert.Equal(expected.GetProperty("sr").GetInt32(), pair.GetProperty("sr").GetInt32());
            Assert.Equal(clip.Transcript, pair.GetProperty("text").GetString());
            Assert.Equal(clip.RelativeLab, pair.GetProperty("rel_lab").GetString());
        }
        Assert.Contains(clips.Single(c => c.Kind == ClipKind.Corrupt).RelativeWav, failed);
        var unexpected = byWav.Keys.Except(tokenizable.Select(c => c.RelativeWav)).ToList();
        Assert.True(unexpected.Count == 0, "placeholder or unpaired clips in the output: " + string.Join(", ", unexpected));
    }

    /// <summary>`worker tokenize` for the given files: one JSON object per file, keyed by full path.</summary>
    private static Dictionary<string, JsonElement> Tokenize(IEnumerable<string> wavs)
    {
        string[] files = wavs.ToArray();
        ProcessRunner.Result result = ProcessRunner.Run(ProcessRunner.Dotnet,
            [WorkerDll, "tokenize", "--tokenizer-dir", RepoPaths.TokenizerBundle, .. files]);
        var objects = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToDictionary(o => Path.GetFullPath(o.GetProperty("wav").GetString()!));
        Assert.True(objects.Count == files.Length, $"tokenize printed {objects.Count} results for {files.Length} files:\n{result.Output}");
        return objects;
    }

    [SkippableFact]
    public void OneAndThreeShardsMergeTheSameContent()
    {
        string archive = Archive(ClipTree.Varied);
        RunPipeline(1, Settings(archive, temp["one"], procs: 1));
        RunPipeline(3, Settings(archive, temp["three"], procs: 3));

        string[] one = ClipTree.ReadLines(Path.Combine(temp["one"], "pairs.jsonl.gz"));
        string[] three = ClipTree.ReadLines(Path.Combine(temp["three"], "pairs.jsonl.gz"));
        // Shards split the clips differently, so only the order of the lines may differ.
        Assert.Equal(one.Order(StringComparer.Ordinal), three.Order(StringComparer.Ordinal));
        Assert.Equal(
            File.ReadAllLines(Path.Combine(temp["one"], "pairs.jsonl.gz.errors.jsonl")).Order(StringComparer.Ordinal),
            File.ReadAllLines(Path.Combine(temp["three"], "pairs.jsonl.gz.errors.jsonl")).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(temp["three"], "shard-2-of-3.jsonl.gz.done")));
    }

    /// <summary>Enough clips that a shard is still running after its first progress report (~2 s in).</summary>
    private const int ResumeClips = 240;

    [SkippableFact]
    public void AShardKilledMidRunResumesToTheSameOutput()
    {
        string archive = Archive(ClipTree.Many(ResumeClips), "many clips.7z");
        RunPipeline(2, Settings(archive, temp["reference"], procs: 2));

        string work = temp["interrupted"];
        var settings = Settings(archive, work, procs: 2);
        settings["TorchThreads"] = "1";
        string victim = Path.Combine(work, "shard-1-of-2.jsonl.gz");
        using (Process build = ProcessRunner.Start(ProcessRunner.Dotnet, Pipeline.Arguments(2, settings), RepoPaths.Root, out StringBuilder output))
        {
            KillWhenHalfWay(victim, build, output);
            Assert.True(build.WaitForExit(TimeSpan.FromMinutes(5)), "the build did not stop after its worker was killed");
            build.WaitForExit();
            lock (output)
            {
                Assert.True(build.ExitCode != 0, "the build succeeded although a worker was killed:\n" + output);
                Assert.Contains("shard 1 of 2 failed with exit code", output.ToString());
            }
        }
        Assert.False(File.Exists(Path.Combine(work, "shard-1-of-2.jsonl.gz.done")));
        Assert.True(File.Exists(Path.Combine(work, "shard-0-of-2.jsonl.gz.done")), "the other shard should have finished");

        ProcessRunner.Result resumed = RunPipeline(2, settings);

        Assert.Matches(@"\[shard 1/2\] .* resumed [1-9][0-9]* \(", resumed.Output); // the worker continued the partial output
        // Finished shards are not run again: shard 0's log holds its first run only.
        Assert.Single(File.ReadAllLines(Path.Combine(work, "logs", "shard-0-of-2.log")), line => line.StartsWith("==== 20"));
        Assert.Equal(ClipTree.ReadLines(Path.Combine(temp["reference"], "pairs.jsonl.gz")),
                     ClipTree.ReadLines(Path.Combine(work, "pairs.jsonl.gz")));
        // Batches are fixed by position in the shard, so even the gzip members come out byte for byte the same.
        Assert.Equal(File.ReadAllBytes(Path.Combine(temp["reference"], "pairs.jsonl.gz")),
                     File.ReadAllBytes(Path.Combine(work, "pairs.jsonl.gz")));
    }

    [SkippableFact]
    public void AnUnavailableDeviceWarnsOncePerRunNotOncePerShard()
    {
        if (File.Exists("/dev/nvidiactl"))
            return; // a machine with CUDA would not fall back; nothing to check there
        var settings = Settings(RepoPaths.DemoArchive, temp["device"], procs: 2);
        settings["Device"] = "cuda";
        settings.Remove("Archive");
        settings.Remove("TokenizerDir");

        ProcessRunner.Result run = RunPipeline(2, settings);

        Assert.Single(run.Output.Split('\n'), line => line.Contains("warning") && line.Contains("CUDA is not available"));
    }

    [SkippableFact]
    public void TheReadmeCommandInARealTerminalShowsProgressAndLeavesNoNodes()
    {
        // `script` gives the build a pseudo-terminal, where MSBuild's terminal logger is on by default; the promise is
        // that the plain README command still shows the banner, the shards' progress and the merge summary, and leaves
        // no worker node behind. The environment is a terminal user's: no CI flag, no node-reuse override from the host.
        string work = temp["terminal"];
        string command = $"cd {Quote(RepoPaths.Root)} && env -u CI -u MSBUILDDISABLENODEREUSE -u MSBUILDNOINPROCNODE TERM=xterm-256color dotnet msbuild pipeline.proj -m:2 -p:Procs=2 -p:WorkDir={Quote(work + "/")} -p:ToolsConfiguration={RepoPaths.Configuration}";
        // `dotnet test` itself runs in MSBuild nodes: only nodes that were not there before the build count.
        var before = Process.GetProcesses().Where(IsReusableMsBuildNode).Select(p => p.Id).ToHashSet();
        ProcessRunner.Result run = ProcessRunner.Run("script", ["-qec", command, "/dev/null"], RepoPaths.Root, TimeSpan.FromMinutes(8))
            .AssertSucceeded("the README command under a pseudo-terminal");

        Assert.Contains("SpeechPairs: 2 shard(s) on local", run.Output); // the start banner
        Assert.Matches(@"\[shard [01]/2\] \d+/\d+ clips", run.Output); // progress lines
        Assert.Contains("Merged 2 shards into", run.Output); // the merge summary
        Assert.True(SpinWait.SpinUntil(() => !Process.GetProcesses().Any(p => !before.Contains(p.Id) && IsReusableMsBuildNode(p)), TimeSpan.FromSeconds(20)),
            "an MSBuild worker node is still alive after the build");
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";

    /// <summary>An MSBuild worker node (nodemode:1), the kind that node reuse keeps alive after a build.</summary>
    private static bool IsReusableMsBuildNode(Process process)
    {
        try
        {
            string commandLine = File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
            return commandLine.Contains("nodemode:1", StringComparison.OrdinalIgnoreCase) && commandLine.Contains("MSBuild.dll");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    [SkippableFact]
    public void SigtermToMsbuildFailsTheBuildAndARerunResumesToTheSameOutput()
    {
        string archive = Archive(ClipTree.Many(ResumeClips), "many clips.7z");
        RunPipeline(2, Settings(archive, temp["reference"], procs: 2));

        string work = temp["terminated"];
        var settings = Settings(archive, work, procs: 2);
        settings["TorchThreads"] = "1";
        string shard = Path.Combine(work, "shard-1-of-2.jsonl.gz");
        using (Process build = ProcessRunner.Start(ProcessRunner.Dotnet, Pipeline.Arguments(2, settings), RepoPaths.Root, out StringBuilder output))
        {
            WaitForFirstBatch(shard, build, output);
            ProcessRunner.Run("kill", ["-TERM", build.Id.ToString()]).AssertSucceeded("kill -TERM");
            Assert.True(build.WaitForExit(TimeSpan.FromMinutes(2)), "msbuild did not stop after SIGTERM");
            build.WaitForExit();
            lock (output)
            {
                Assert.Equal(143, build.ExitCode);
                Assert.Contains("the build was stopped (SIGTERM)", output.ToString());
            }
        }
        Assert.False(File.Exists(Path.Combine(work, "pairs.jsonl.gz")));
        Assert.True(SpinWait.SpinUntil(() => WorkerProcesses.Writing(shard).Count == 0, TimeSpan.FromSeconds(30)), "a worker outlived the stopped build");

        RunPipeline(2, settings);
        Assert.Equal(File.ReadAllBytes(Path.Combine(temp["reference"], "pairs.jsonl.gz")), File.ReadAllBytes(Path.Combine(work, "pairs.jsonl.gz")));
    }

    private static void KillWhenHalfWay(string shardOutput, Process build, StringBuilder output)
    {
        WaitForFirstBatch(shardOutput, build, output);
        IReadOnlyList<int> workers = WorkerProcesses.Writing(shardOutput);
        Assert.NotEmpty(workers);
        foreach (int id in workers)
            WorkerProcesses.Kill(id);
    }

    /// <summary>Returns as soon as the shard has flushed its first batch (a gzip member) and is still running.</summary>
    private static void WaitForFirstBatch(string shardOutput, Process build, StringBuilder output)
    {
        var deadline = Stopwatch.StartNew();
        string progressFile = shardOutput + ".progress.json";
        while (deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (build.HasExited)
                lock (output)
                    Assert.Fail("the build ended before the shard could be interrupted:\n" + output);
            if (File.Exists(shardOutput) && new FileInfo(shardOutput).Length > 0)
            {
                if (SpeechPairs.Contract.ProgressDocument.TryRead(progressFile) is { } progress)
                    Assert.True(progress.Done < progress.Total,
                        $"shard finished before it could be interrupted; raise {nameof(ResumeClips)} ({progress.Done}/{progress.Total})");
                return;
            }
            Thread.Sleep(10);
        }
        Assert.Fail("the shard never wrote its first batch");
    }
}
