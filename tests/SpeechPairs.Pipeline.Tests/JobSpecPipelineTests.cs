using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SpeechPairs.Contract;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>
/// The job spec as the pipeline uses it: one identity whatever the mount path, a merged output set that a killed
/// merge never leaves broken, paths taken literally, and one list of settings in shards.props, the spec and the README.
/// </summary>
[Collection(PipelineCollection.Name)]
[Trait("Category", "EndToEnd")]
public sealed partial class JobSpecPipelineTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static Dictionary<string, string> Demo(string workDir, string? tokenizer = null, string? archive = null) => new()
    {
        ["Archive"] = archive ?? RepoPaths.DemoArchive,
        ["TokenizerDir"] = tokenizer ?? RepoPaths.TokenizerBundle,
        ["WorkDir"] = workDir + Path.DirectorySeparatorChar,
        ["Procs"] = "2",
    };

    private static ProcessRunner.Result Run(Dictionary<string, string> settings, params string[] extra) =>
        Pipeline.Run(2, settings, extra);

    [SkippableFact]
    public void ShardsWrittenThroughTwoMountPathsMergeWithoutRunningAgain()
    {
        // One folder holding the work folder (and its extraction) and the archive, seen through two links, as two
        // machines would mount a shared filesystem; the bundle through two links of its own.
        string real = temp["real"];
        Directory.CreateDirectory(real);
        File.Copy(RepoPaths.DemoArchive, Path.Combine(real, "demo.7z"));
        string a = temp["mount a"], b = temp["mount b"];
        Directory.CreateSymbolicLink(a, real);
        Directory.CreateSymbolicLink(b, real);
        string bundleA = temp["bundle a"], bundleB = temp["bundle b"];
        Directory.CreateSymbolicLink(bundleA, RepoPaths.TokenizerBundle);
        Directory.CreateSymbolicLink(bundleB, RepoPaths.TokenizerBundle);

        var onA = Demo(Path.Combine(a, "work"), bundleA, Path.Combine(a, "demo.7z"));
        var onB = Demo(Path.Combine(b, "work"), bundleB, Path.Combine(b, "demo.7z"));
        Run(new(onA) { ["ShardIndices"] = "0" }, "-t:Shards").AssertSucceeded("shard 0 through mount a");
        Run(new(onB) { ["ShardIndices"] = "1" }, "-t:Shards").AssertSucceeded("shard 1 through mount b");
        string done0 = Path.Combine(real, "work", "shard-0-of-2.jsonl.gz.done");
        string done1 = Path.Combine(real, "work", "shard-1-of-2.jsonl.gz.done");
        var before = (File.ReadAllText(done0), File.ReadAllText(done1));

        ProcessRunner.Result build = Run(onA).AssertSucceeded("the whole build through mount a");

        Assert.DoesNotContain("[shard", build.Output); // nothing tokenized again
        Assert.Equal(before, (File.ReadAllText(done0), File.ReadAllText(done1)));
        Assert.Contains("verified:", build.Output);

        string single = temp["one machine"];
        Run(Demo(single)).AssertSucceeded("the same job on one machine");
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "pairs.jsonl.gz")), File.ReadAllBytes(Path.Combine(real, "work", "pairs.jsonl.gz")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(single, "pairs.jsonl.gz.errors.jsonl")),
                     File.ReadAllBytes(Path.Combine(real, "work", "pairs.jsonl.gz.errors.jsonl")));
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void AMergeKilledAnywhereIsRepairedByTheNextRun(bool verify)
    {
        string work = temp["work"];
        var settings = Demo(work);
        settings["Verify"] = verify ? "true" : "false";
        Run(settings).AssertSucceeded("first build");
        var set = new MergedOutputSet(Path.Combine(work, "pairs.jsonl.gz"));
        byte[] output = File.ReadAllBytes(set.Out), errors = File.ReadAllBytes(set.Errors);
        var totals = Totals(set.Stats);

        foreach (var point in new[] { "written", "out-renamed", "errors-renamed" })
        {
            // A done record newer than the merge record: the Merge target runs again, and is killed at the point.
            File.SetLastWriteTimeUtc(Path.Combine(work, "shard-0-of-2.jsonl.gz.done"), DateTime.UtcNow.AddSeconds(1));
            ProcessRunner.Result killed = Pipeline.Run(2, settings, new Dictionary<string, string> { ["SPEECHPAIRS_KILL_MERGE_AT"] = point });
            Assert.NotEqual(0, killed.ExitCode);
            Assert.False(File.Exists(set.Record), $"a merge killed at '{point}' left a merge record");

            ProcessRunner.Result again = Run(settings).AssertSucceeded($"the build after a merge killed at '{point}'");

            Assert.Contains("Merged 2 shards", again.Output);
            Assert.Equal(output, File.ReadAllBytes(set.Out));
            Assert.Equal(errors, File.ReadAllBytes(set.Errors));
            Assert.Empty(Directory.GetFiles(work, "*.tmp-*"));
            Assert.Equal(totals, Totals(set.Stats));
        }
    }

    private static (long Clips, long Errors) Totals(string stats)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(stats));
        var totals = document.RootElement.GetProperty("totals");
        return (totals.GetProperty("clips").GetInt64(), totals.GetProperty("errors").GetInt64());
    }

    [SkippableFact]
    public void AWorkDirWithMsBuildCharactersInItsNameHoldsEverything()
    {
        // Literally: odd $(x) %41 ; @(y). On the command line MSBuild wants % and ; escaped.
        const string name = "odd $(x) %41 ; @(y)";
        string parent = temp["parent"];
        Directory.CreateDirectory(parent);
        string work = Path.Combine(parent, name);
        var settings = Demo(work.Replace("%", "%25").Replace(";", "%3B"));

        ProcessRunner.Result run = Run(settings).AssertSucceeded("build in an oddly named WorkDir");

        Assert.Equal([name], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(work, "pairs.jsonl.gz")), run.Output);
        Assert.True(File.Exists(Path.Combine(work, "logs", "shard-1-of-2.log")));
        Assert.Equal(work, JobSpec.Read(JobSpec.PathIn(work)).WorkDir);
        Assert.Equal(["extracted", "logs"], Directory.GetDirectories(work).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void ParityComparesTheDemoWithTheRecordedStepAudioReferenceAndTheReportShowsIt()
    {
        string work = temp["work"];
        var settings = Demo(work);
        settings["ReferenceTokens"] = Path.Combine(RepoPaths.Root, "tests", "fixtures", "parity", "demo-reference.json");

        ProcessRunner.Result parity = Run(settings, "-t:Parity").AssertSucceeded("-t:Parity against the recorded reference");

        Assert.Contains("every string equal (7 clips)", File.ReadAllText(Path.Combine(work, "parity.json")));
        Assert.Contains("clips equal 7/7", parity.Output);
        Run(settings).AssertSucceeded("the build after the parity check");
        Assert.Contains("Parity", File.ReadAllText(Path.Combine(work, "pairs.jsonl.gz.report.html")));

        // Neither the interpreter nor the checkout given: refused before anything is tokenized, as a build error.
        settings.Remove("ReferenceTokens");
        ProcessRunner.Result refused = Run(settings, "-t:Parity");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("give -p:ReferencePython and -p:StepAudioDir", refused.Output);
    }

    [SkippableFact]
    public void TheWorkerForTheSlurmNodesIsPublishedAgainWhenOnlyTheTokenizerChanged()
    {
        string tools = temp["tools"];
        var settings = Demo(temp["work"]);
        settings["Scheduler"] = "slurm";
        settings["SlurmTools"] = tools + Path.DirectorySeparatorChar;
        Run(settings, "-t:_SpPublishWorker").AssertSucceeded("first publish");
        string published = Path.Combine(tools, "SpeechPairs.Tokenizer.dll");
        DateTime first = File.GetLastWriteTimeUtc(published);

        Assert.Contains("Skipping target \"_SpPublishWorker\"", Run(settings, "-t:_SpPublishWorker", "-v:n").AssertSucceeded("second publish").Output);

        // A tokenizer-only change: the worker's own assembly is as it was, the tokenizer's is newer than the published worker.
        string built = Path.Combine(RepoPaths.Root, "worker", "bin", RepoPaths.Configuration, "net10.0", "SpeechPairs.Tokenizer.dll");
        File.SetLastWriteTimeUtc(built, DateTime.UtcNow);
        Run(settings, "-t:_SpPublishWorker").AssertSucceeded("publish after a tokenizer change");
        Assert.True(File.GetLastWriteTimeUtc(published) > first, "the tokenizer change was not published");
        Assert.Contains("Skipping target \"_SpPublishWorker\"", Run(settings, "-t:_SpPublishWorker", "-v:n").AssertSucceeded("publish once more").Output);
    }

    [SkippableFact]
    public void ShardsPropsTheJobSettingsAndTheReadmeListTheSameProperties()
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "shards.props"));
        var properties = props.Descendants().Where(e => e.Parent?.Name.LocalName == "PropertyGroup" && !e.Name.LocalName.StartsWith('_'))
            .Select(e => e.Name.LocalName).ToHashSet();
        var items = props.Descendants().Where(e => e.Name.LocalName == "SpeechPairsSetting").Select(e => e.Attribute("Include")!.Value).ToList();
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var documented = ReadmePropertyRow().Matches(readme)
            .SelectMany(row => PropertyName().Matches(row.Groups[1].Value).Select(m => m.Groups[1].Value)).ToHashSet();

        Assert.Equal(JobSettings.All.Select(s => s.Name).Order(), items.Order());
        Assert.Equal(JobSettings.Names.Order(), properties.Order());
        Assert.Empty(properties.Except(documented));
        Assert.Empty(documented.Except(properties));
    }

    /// <summary>The first cell of a README property table row: <c>| `Name` | default | meaning |</c> or <c>| `A`, `B` | …</c>.</summary>
    [GeneratedRegex(@"^\| (`[A-Z][A-Za-z]+`(?:, `[A-Z][A-Za-z]+`)*) \|", RegexOptions.Multiline)]
    private static partial Regex ReadmePropertyRow();

    [GeneratedRegex(@"`([A-Z][A-Za-z]+)`")]
    private static partial Regex PropertyName();
}
