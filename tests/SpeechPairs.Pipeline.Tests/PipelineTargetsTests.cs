using SpeechPairs.Contract;
using System.IO.Compression;
using System.Text;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>pipeline.proj's targets that tokenize nothing: Extract (the worker's extract command), Merge, Progress, Clean, and its checks.</summary>
[Collection(PipelineCollection.Name)]
public sealed class PipelineTargetsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private string WorkDir => temp["work"] + Path.DirectorySeparatorChar;

    private ProcessRunner.Result Run(string target, params (string Name, string Value)[] properties)
    {
        var all = new Dictionary<string, string> { ["WorkDir"] = WorkDir };
        foreach ((string name, string value) in properties)
            all[name] = value;
        return Pipeline.Run(1, all, $"-t:{target}");
    }

    [SkippableFact]
    public void ExtractBuildsTheTasksAndExtractsTheDemoArchiveOnce()
    {
        Run("Extract", ("UseManagedExtractor", "true")).AssertSucceeded("Extract");

        string extracted = Path.Combine(WorkDir, "extracted");
        Assert.True(File.Exists(Path.Combine(extracted, ExtractionSentinel.FileName)));
        Assert.True(File.Exists(Path.Combine(extracted, ".metadata_never_index")));
        Assert.True(File.Exists(Path.Combine(extracted, "中文 - Chinese", "旅行者 - 问候.wav")));
        Assert.False(File.Exists(Path.Combine(extracted, "readme.txt")));

        ProcessRunner.Result again = Run("Extract").AssertSucceeded("second Extract");
        Assert.Contains("already extracted", again.Output);
    }

    [SkippableFact]
    public void RestoreRunsOnlyWhenAProjectFileChangedSinceTheLastOne()
    {
        string stamp = Path.Combine(RepoPaths.Root, "worker", "obj", "speechpairs-restored.stamp");
        RunsOnlyAfterAnEdit("_SpRestoreWorker", stamp, Path.Combine(RepoPaths.Root, "worker", "SpeechPairs.Worker.csproj"));
    }

    [SkippableFact]
    public void TheWorkerIsBuiltOnlyWhenASourceFileChangedSinceTheLastBuild()
    {
        string stamp = Path.Combine(RepoPaths.Root, "worker", "obj", $"speechpairs-built-{RepoPaths.Configuration}.stamp");
        // The worker uses the tokenizer: an edit there counts too.
        var again = RunsOnlyAfterAnEdit("_SpBuildWorkerAssembly", stamp, Path.Combine(RepoPaths.Root, "tokenizer", "TokenMerger.cs"));
        Assert.DoesNotContain("CoreCompile", again.Output);

        // A missing assembly is built again, whatever the stamp says.
        string worker = Path.Combine(RepoPaths.Root, "worker", "bin", RepoPaths.Configuration, "net10.0", "SpeechPairs.Worker.dll");
        File.Move(worker, worker + ".moved");
        try
        {
            ProcessRunner.Result missing = BuildWorker("build without the assembly");
            Assert.DoesNotContain("Skipping target \"_SpBuildWorkerAssembly\"", missing.Output);
            Assert.True(File.Exists(worker), "the build did not bring the worker assembly back");
        }
        finally
        {
            if (File.Exists(worker)) File.Delete(worker + ".moved");
            else File.Move(worker + ".moved", worker);
        }
    }

    private ProcessRunner.Result BuildWorker(string what) =>
        Pipeline.Run(1, new Dictionary<string, string> { ["WorkDir"] = WorkDir }, "-t:_SpBuildWorker", "-v:n").AssertSucceeded(what);

    /// <summary>
    /// Builds the worker three times: <paramref name="target"/> runs (or finds its stamp), is skipped the second time, and
    /// runs again and renews <paramref name="stamp"/> once the stamp is older than <paramref name="input"/> (an edit since).
    /// Returns the second, skipped build.
    /// </summary>
    private ProcessRunner.Result RunsOnlyAfterAnEdit(string target, string stamp, string input)
    {
        string skipped = $"Skipping target \"{target}\"";
        BuildWorker("first build of the worker");
        Assert.True(File.Exists(stamp));

        ProcessRunner.Result again = BuildWorker("second build");
        Assert.Contains(skipped, again.Output);

        DateTime edited = File.GetLastWriteTimeUtc(input);
        File.SetLastWriteTimeUtc(stamp, edited.AddMinutes(-1));
        ProcessRunner.Result after = BuildWorker("build after an edit");
        Assert.DoesNotContain(skipped, after.Output);
        Assert.True(File.GetLastWriteTimeUtc(stamp) > edited, $"{target} did not renew its stamp");
        return again;
    }

    [SkippableFact]
    public void AnArchiveWithoutATokenizerIsRefused()
    {
        ProcessRunner.Result result = Run("Build", ("Archive", temp["real.7z"]));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("TokenizerDir is not", result.Output);
    }

    [SkippableTheory]
    [InlineData("Procs", "0", "Procs must be")]
    [InlineData("Procs", "two", "Procs must be")]
    [InlineData("Out", "pairs.json", "Out must end in")]
    [InlineData("TokenizerDir", "no/such/bundle", "does not exist")]
    [InlineData("TokenizerDir", "tests/fixtures/vq0206", "is not a Step-Audio-Tokenizer bundle")]
    [InlineData("Proc", "2", "unknown property 'Proc'; did you mean 'Procs'?")]
    [InlineData("MaxDuration", "abc", "MaxDuration must be a number of seconds")]
    [InlineData("Dither", "-1", "Dither must be a number")]
    [InlineData("Device", "gpu", "Device must be auto, cpu, mps or cuda")]
    [InlineData("Scheduler", "pbs", "Scheduler must be local or slurm")]
    [InlineData("Archive", "demo", "is a folder: use -p:SkipExtract=true")]
    [InlineData("WorkerDll", "no/such/SpeechPairs.Worker.dll", "does not exist")]
    public void BadSettingsAreRefused(string name, string value, string message)
    {
        // A finished run's settings: a run that fails validation must leave them (and everything else) as they are.
        Directory.CreateDirectory(WorkDir);
        File.WriteAllText(Path.Combine(WorkDir, "shard-settings.txt"), "earlier run\n");
        var tokenizer = name == "TokenizerDir" ? [] : new[] { ("TokenizerDir", RepoPaths.TokenizerBundle) };
        ProcessRunner.Result result = Run("Build", [(name, value), .. tokenizer]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Output);
        Assert.Equal(["shard-settings.txt"], Directory.GetFileSystemEntries(WorkDir).Select(Path.GetFileName));
        Assert.Equal("earlier run\n", File.ReadAllText(Path.Combine(WorkDir, "shard-settings.txt")));
    }

    [SkippableFact]
    public void ASecondRunOnTheSameWorkDirFailsAtOnce()
    {
        // Another run holds the lock (the same advisory lock the pipeline takes) and has written its pid.
        Directory.CreateDirectory(WorkDir);
        using var held = new FileStream(Path.Combine(WorkDir, ".speechpairs.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        File.WriteAllText(Path.Combine(WorkDir, ".speechpairs.lock.pid"), "4242\n");

        ProcessRunner.Result result = Run("Merge");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("is in use by another run (pid 4242)", result.Output);
    }

    [SkippableFact]
    public void JobsThatSubmitQueuedHoldTheWorkDirWhileSlurmCannotSayTheyEnded()
    {
        // A -t:Submit queued these jobs; no Slurm answers here, so they may still run: Clean must not touch their folder.
        string list = SlurmFiles.SubmittedIn(WorkDir);
        Directory.CreateDirectory(Path.GetDirectoryName(list)!);
        File.WriteAllText(list, "4242\n4243\n");
        WriteShard(0, 1, "{}\n", finished: true);
        File.WriteAllText(Path.Combine(WorkDir, ".speechpairs.lock"), ""); // the submitting run's
        var before = Directory.GetFiles(WorkDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        ProcessRunner.Result result = Pipeline.Run(1, new Dictionary<string, string> { ["WorkDir"] = WorkDir },
            new Dictionary<string, string> { ["SLURM_CONF"] = temp["no such slurm.conf"] }, "-t:Clean");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("has Slurm jobs 4242, 4243 submitted by -t:Submit, and Slurm could not say whether they still run", result.Output);
        Assert.Equal(before, Directory.GetFiles(WorkDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    /// <summary>A shard as a worker leaves it: output lines, errors file, progress document and, when finished, its done record.</summary>
    private void WriteShard(int index, int count, string content, bool finished, long tokens = 0)
    {
        Directory.CreateDirectory(WorkDir);
        string output = Path.Combine(WorkDir, $"shard-{index}-of-{count}.jsonl.gz");
        using (var file = File.Create(output))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            gzip.Write(Encoding.UTF8.GetBytes(content));
        File.WriteAllText(output + ".errors.jsonl", "");
        File.WriteAllText(output + ".progress.json",
            $$"""{"shard_index":{{index}},"shard_count":{{count}},"state":"done","total":1,"done":1,"errors":0,"resumed":0,"audio_seconds":3600,"elapsed_seconds":1,"clips_per_second":1,"audio_seconds_per_second":1,"eta_seconds":0,"updated_utc":"2026-11-25T12:00:00Z"}""");
        if (finished)
            WriteDone(index, count, records: content.Count(c => c == '\n'), tokens);
    }

    private void WriteDone(int index, int count, long records, long tokens) =>
        new DoneRecord(DoneRecord.CurrentVersion, index, count, "same-settings", records, 0, 0, 3600, tokens, records, 0, 1, 100, DateTimeOffset.UtcNow)
            .Write(Path.Combine(WorkDir, $"shard-{index}-of-{count}.jsonl.gz.done"));

    [SkippableFact]
    public void MergeWaitsForEveryShardThenConcatenatesThem()
    {
        // Shard 0 holds pairs 0 and 2, shard 1 pair 1: the merge restores the global pair order.
        WriteShard(0, 2, "{\"id\":\"a\",\"text\":\"t\",\"tokens\":\"<audio_1>\",\"rel_wav\":\"a.wav\",\"rel_lab\":\"a.lab\",\"sr\":16000}\n{\"id\":\"c\",\"text\":\"t\",\"tokens\":\"<audio_1>\",\"rel_wav\":\"c.wav\",\"rel_lab\":\"c.lab\",\"sr\":16000}\n", finished: true, tokens: 2);
        WriteShard(1, 2, "{\"id\":\"b\",\"text\":\"t\",\"tokens\":\"<audio_1>\",\"rel_wav\":\"b.wav\",\"rel_lab\":\"b.lab\",\"sr\":16000}\n", finished: false);

        ProcessRunner.Result refused = Run("Merge", ("Procs", "2"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("1 shard of 2 not finished", refused.Output);

        WriteDone(1, 2, records: 1, tokens: 1);
        ProcessRunner.Result merged = Run("Merge", ("Procs", "2")).AssertSucceeded("Merge");

        Assert.Contains("3 clips, 0 errors", merged.Output);
        Assert.Contains("2.00 audio hours, 3 audio tokens", merged.Output);
        Assert.Equal(["{\"id\":\"a\",\"text\":\"t\",\"tokens\":\"<audio_1>\",\"rel_wav\":\"a.wav\",\"rel_lab\":\"a.lab\",\"sr\":16000}", "{\"id\":\"b\",\"text\":\"t\",\"tokens\":\"<audio_1>\",\"rel_wav\":\"b.wav\",\"rel_lab\":\"b.lab\",\"sr\":16000}", "{\"id\":\"c\",\"text\":\"t\",\"tokens\":\"<audio_1>\",\"rel_wav\":\"c.wav\",\"rel_lab\":\"c.lab\",\"sr\":16000}"],
                     ClipTree.ReadLines(Path.Combine(WorkDir, "pairs.jsonl.gz")));
    }

    [SkippableFact]
    public void ProgressPrintsTheTable()
    {
        WriteShard(0, 2, "{}\n", finished: true);

        ProcessRunner.Result result = Run("Progress").AssertSucceeded("Progress");

        Assert.Contains("Progress of 2 shards", result.Output);
        Assert.Matches(@"0/2\s+done\s+1/1", result.Output);
        Assert.Matches(@"1/2\s+pending", result.Output);
    }

    [SkippableFact]
    public void CleanRemovesShardFilesAndOutputsButKeepsTheExtractionUnlessAsked()
    {
        WriteShard(0, 2, "{}\n", finished: true);
        Directory.CreateDirectory(Path.Combine(WorkDir, "logs"));
        File.WriteAllText(Path.Combine(WorkDir, "logs", "shard-0-of-2.log"), "log");
        File.WriteAllText(Path.Combine(WorkDir, "shard-settings.txt"), "settings");
        File.WriteAllText(Path.Combine(WorkDir, "pairs.jsonl.gz"), "out");
        File.WriteAllText(Path.Combine(WorkDir, "pairs.jsonl.gz.errors.jsonl"), "errors");
        File.WriteAllText(Path.Combine(WorkDir, "keep me.txt"), "not ours");
        string extracted = Path.Combine(WorkDir, "extracted");
        Directory.CreateDirectory(extracted);
        File.WriteAllText(Path.Combine(extracted, ExtractionSentinel.FileName), "{}");

        Run("Clean").AssertSucceeded("Clean");

        Assert.Equal(["keep me.txt"], Directory.GetFiles(WorkDir, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Where(n => n != ExtractionSentinel.FileName && !n!.StartsWith(".speechpairs.lock")));  // the lock of the run itself stays
        Assert.True(Directory.Exists(extracted));

        Run("Clean", ("CleanExtract", "true")).AssertSucceeded("Clean with CleanExtract");
        Assert.False(Directory.Exists(extracted));
    }

    [SkippableFact]
    public void CleanExtractLeavesAFolderThePipelineDidNotExtract()
    {
        string theirs = temp["their clips"];
        Directory.CreateDirectory(theirs);
        File.WriteAllText(Path.Combine(theirs, "a.wav"), "RIFF");

        ProcessRunner.Result result = Run("Clean", ("CleanExtract", "true"), ("ExtractDir", theirs)).AssertSucceeded("Clean");

        Assert.True(File.Exists(Path.Combine(theirs, "a.wav")));
        Assert.Contains("Not removing", result.Output);
    }
}
