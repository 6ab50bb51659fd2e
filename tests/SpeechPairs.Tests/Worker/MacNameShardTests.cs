using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Merge;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;
using static SpeechPairs.Tests.Support.MacNames;

namespace SpeechPairs.Tests.Worker;

/// <summary>A shard over an archive edited on a Mac: NFD names beside NFC ones, NFC/NFD twins, unpaired files.</summary>
public sealed class MacNameShardTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly string _extract;

    public MacNameShardTests() => _extract = _temp.Combine("extract");

    /// <summary>Writes the tree (skips the test where the file system cannot hold it).</summary>
    private void WriteTree()
    {
        MacNames.SkipUnlessNamesAreBytes(_temp.Path);
        TestArchive.WriteGoodClips(_extract, 4);
        // The WAV renamed on the Mac (NFD), its transcript not.
        TestWav.Write(TestArchive.PathOf(_extract, $"fr/{Nfd("café")}.wav"), 0.5, seed: 11);
        TestArchive.WriteFile(_extract, "fr/café.lab", Encoding.UTF8.GetBytes("Un café."));
        // Twins: two clips whose ids would print alike.
        TestArchive.WritePair(_extract, "fr/thé", 0.5, "Du thé.", seed: 12);
        TestArchive.WritePair(_extract, $"fr/{Nfd("thé")}", 0.6, "Encore du thé.", seed: 13);
        TestWav.Write(TestArchive.PathOf(_extract, $"fr/{Nfd("crème")}.wav"), 0.5, seed: 14);
        TestArchive.WriteFile(_extract, "fr/orphan.lab", Encoding.UTF8.GetBytes("Seul."));
    }

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void The_NFD_wav_becomes_a_record_with_an_NFC_id_and_its_own_spelling()
    {
        WriteTree();
        var output = _temp.Combine("out", "shard.jsonl.gz");
        ShardHarness.Execute(ShardHarness.Job(_extract, output));

        var records = ReadGzipLines(output).Select(Parse).ToList();
        var cafe = Assert.Single(records, r => r.GetProperty("text").GetString() == "Un café.");
        Assert.Equal("fr/café", cafe.GetProperty("id").GetString());
        Assert.Equal($"fr/{Nfd("café")}.wav", cafe.GetProperty("rel_wav").GetString());
        Assert.Equal("fr/café.lab", cafe.GetProperty("rel_lab").GetString());
        Assert.True(File.Exists(TestArchive.PathOf(_extract, cafe.GetProperty("rel_wav").GetString()!)));
        var relWavs = records.Select(r => r.GetProperty("rel_wav").GetString()!).ToList();
        Assert.Equal(relWavs.Order(StringComparer.Ordinal), relWavs);
        Assert.DoesNotContain(records, r => r.GetProperty("text").GetString()!.Contains("thé", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Twins_are_two_error_lines_each_naming_the_other_file()
    {
        WriteTree();
        var output = _temp.Combine("out", "shard.jsonl.gz");
        ShardHarness.Execute(ShardHarness.Job(_extract, output));

        var errors = File.ReadAllLines(output + ".errors.jsonl").Select(Parse)
            .Select(e => (Id: e.GetProperty("id").GetString(), RelWav: e.GetProperty("rel_wav").GetString(), Error: e.GetProperty("error").GetString()))
            .ToList();
        Assert.Equal(
            [
                ($"fr/{Nfd("thé")}", $"fr/{Nfd("thé")}.wav", "id collision: same NFC id as fr/thé.wav (NFC); this name is NFD"),
                ("fr/thé", "fr/thé.wav", $"id collision: same NFC id as fr/{Nfd("thé")}.wav (NFD); this name is NFC"),
            ],
            errors);
        var done = DoneRecord.TryRead(output + ".done")!;
        Assert.Equal((5L, 2L, 0L), (done.Records, done.Errors, done.Excluded));
    }

    [SkippableFact]
    public void The_start_summary_names_the_unpaired_files()
    {
        WriteTree();
        var run = ShardHarness.Execute(ShardHarness.Job(_extract, _temp.Combine("out", "shard.jsonl")));

        Assert.Contains("(unpaired 1 wav, 1 lab; placeholder excluded 0; id collisions 2)", run.Log);
        Assert.Contains($"[shard 0/1] unpaired: fr/{Nfd("crème")}.wav (NFD)\n", run.Log);
        Assert.Contains("[shard 0/1] unpaired: fr/orphan.lab\n", run.Log);
    }

    [SkippableFact]
    public void The_start_summary_names_ten_unpaired_files_and_counts_the_rest()
    {
        WriteTree();
        for (var i = 0; i < 12; i++)
            TestArchive.WriteFile(_extract, $"lonely/{i:00}.lab", Encoding.UTF8.GetBytes("…"));

        var run = ShardHarness.Execute(ShardHarness.Job(_extract, _temp.Combine("out", "shard.jsonl")));

        var named = run.Log.Split('\n').Where(l => l.StartsWith("[shard 0/1] unpaired: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(11, named.Count);
        Assert.Equal("[shard 0/1] unpaired: 4 more (worker report lists them all)", named[^1]);
    }

    [SkippableTheory]
    [InlineData("pairs.jsonl.gz")]
    [InlineData("pairs.jsonl")]
    public void Any_shard_count_gives_the_same_merged_bytes(string name)
    {
        WriteTree();
        var one = _temp.Combine("one", name);
        var three = _temp.Combine("three", name);
        new ShardMerger(RunShards(1, one), 1, one).Merge();
        var summary = new ShardMerger(RunShards(3, three), 3, three).Merge();

        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(three));
        Assert.Equal(File.ReadAllBytes(one + ".errors.jsonl"), File.ReadAllBytes(three + ".errors.jsonl"));
        Assert.Equal(new Dictionary<string, long> { [ErrorKinds.IdCollision] = 2 }, summary.ErrorsByKind);
    }

    private string RunShards(int count, string output)
    {
        var work = _temp.Combine($"work-{count}-{Path.GetFileName(output)}");
        for (var i = 0; i < count; i++)
        {
            var files = ShardFiles.InWorkDir(work, i, count, ShardFiles.ShardsAreGzip(output));
            ShardHarness.Execute(ShardHarness.Job(_extract, files.Output, new ShardSelection(i, count)) with { SettingsHash = "h" });
        }

        return work;
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement;

    private static string[] ReadGzipLines(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
