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

    [Fact]
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

    [Fact]
    public void AnArchiveWithoutATokenizerIsRefused()
    {
        ProcessRunner.Result result = Run("Build", ("Archive", temp["real.7z"]));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("TokenizerDir is not", result.Output);
    }

    [Theory]
    [InlineData("Procs", "0", "Procs must be")]
    [InlineData("Procs", "two", "Procs must be")]
    [InlineData("Out", "pairs.json", "Out must end in")]
    [InlineData("TokenizerDir", "no/such/bundle", "does not exist")]
    public void BadSettingsAreRefused(string name, string value, string message)
    {
        ProcessRunner.Result result = Run("Build", (name, value));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Output);
    }

    private void WriteShard(int index, int count, string content, bool finished)
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
            File.WriteAllText(Path.Combine(WorkDir, $"shard-{index}-of-{count}.ok"), "");
    }

    [Fact]
    public void MergeWaitsForEveryShardThenConcatenatesThem()
    {
        WriteShard(0, 2, "{\"id\":\"a\",\"tokens\":\"<audio_1><audio_2>\"}\n", finished: true);
        WriteShard(1, 2, "{\"id\":\"b\",\"tokens\":\"<audio_3>\"}\n", finished: false);

        ProcessRunner.Result refused = Run("Merge", ("Procs", "2"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("shard(s) 1 of 2 have not finished", refused.Output);

        File.WriteAllText(Path.Combine(WorkDir, "shard-1-of-2.ok"), "");
        ProcessRunner.Result merged = Run("Merge", ("Procs", "2")).AssertSucceeded("Merge");

        Assert.Contains("2 clips, 0 errors", merged.Output);
        Assert.Contains("2.00 audio hours, 3 audio tokens", merged.Output);
        Assert.Equal(["{\"id\":\"a\",\"tokens\":\"<audio_1><audio_2>\"}", "{\"id\":\"b\",\"tokens\":\"<audio_3>\"}"],
                     ClipTree.ReadLines(Path.Combine(WorkDir, "pairs.jsonl.gz")));
    }

    [Fact]
    public void ProgressPrintsTheTable()
    {
        WriteShard(0, 2, "{}\n", finished: true);

        ProcessRunner.Result result = Run("Progress").AssertSucceeded("Progress");

        Assert.Contains("Progress of 2 shards", result.Output);
        Assert.Matches(@"0/2\s+done\s+1/1", result.Output);
        Assert.Matches(@"1/2\s+pending", result.Output);
    }

    [Fact]
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
            .Select(Path.GetFileName).Where(n => n != ExtractionSentinel.FileName));
        Assert.True(Directory.Exists(extracted));

        Run("Clean", ("CleanExtract", "true")).AssertSucceeded("Clean with CleanExtract");
        Assert.False(Directory.Exists(extracted));
    }

    [Fact]
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
