using System.IO.Compression;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Merge;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Output;

namespace SpeechPairs.Tests.Worker;

/// <summary>The merge restores the global pair order, so the merged bytes do not depend on the shard count.</summary>
public sealed class ShardMergerTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly string _extract;

    public ShardMergerTests()
    {
        _extract = _temp.Combine("extract");
        TestArchive.WriteGoodClips(_extract, 23);
        // Names whose order by id and by rel_wav differ ("a b" < "a" by path: ' ' sorts before '.').
        TestArchive.WritePair(_extract, "zz/a", 0.5, "一", seed: 5);
        TestArchive.WritePair(_extract, "zz/a b", 0.5, "二", seed: 6);
        TestArchive.WritePair(_extract, "中文 - Chinese/角色 1/vo_003 bad", 0.5, "", seed: 1);
        TestArchive.WritePair(_extract, "中文 - Chinese/角色 2/vo_010 long", 2.0, "长", seed: 2);
    }

    public void Dispose() => _temp.Dispose();

    private string RunShards(int count, string output)
    {
        var work = _temp.Combine($"work-{count}");
        for (var i = 0; i < count; i++)
        {
            var files = ShardFiles.InWorkDir(work, i, count, ShardFiles.ShardsAreGzip(output));
            ShardHarness.Execute(ShardHarness.Job(_extract, files.Output, new ShardSelection(i, count), batchSeconds: 2, maxDuration: 1.6) with { SettingsHash = "h" });
        }
        return work;
    }

    [SkippableTheory]
    [InlineData("pairs.jsonl.gz")]
    [InlineData("pairs.jsonl")]
    public void Any_shard_count_gives_the_same_bytes(string name)
    {
        var one = _temp.Combine("one", name);
        var three = _temp.Combine("three", name);
        var summaryOne = new ShardMerger(RunShards(1, one), 1, one).Merge();
        var summaryThree = new ShardMerger(RunShards(3, three), 3, three).Merge();

        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(three));
        Assert.Equal(File.ReadAllBytes(one + ".errors.jsonl"), File.ReadAllBytes(three + ".errors.jsonl"));
        Assert.Equal(25, summaryThree.Records);
        Assert.Equal(1, summaryThree.Errors);
        Assert.Equal(1, summaryThree.Excluded);
        Assert.Equal((summaryOne.Records, summaryOne.Errors, summaryOne.Excluded, summaryOne.Tokens),
                     (summaryThree.Records, summaryThree.Errors, summaryThree.Excluded, summaryThree.Tokens));
        Assert.Equal(summaryOne.AudioSeconds, summaryThree.AudioSeconds, 6);
        Assert.Equal(new Dictionary<string, long> { ["transcript"] = 1 }, summaryThree.ErrorsByKind);
        Assert.Contains("25 clips, 1 error (transcript 1)", MergeSummary.Line(summaryThree, new MergedOutputSet(three)));
        Assert.Contains("1 excluded", MergeSummary.Line(summaryThree, new MergedOutputSet(three)));

        var relWavs = Lines(one).Select(l => PairRecord.Read(l).RelWav).ToList();
        Assert.Equal(relWavs.Order(StringComparer.Ordinal), relWavs);
        Assert.Equal(summaryThree.Tokens, Lines(one).Sum(l => (long)l.Split("<audio_").Length - 1));
    }

    [SkippableFact]
    public void Refuses_while_a_shard_has_no_done_record_and_names_it()
    {
        var output = _temp.Combine("out", "pairs.jsonl.gz");
        var work = RunShards(3, output);
        File.Delete(ShardFiles.InWorkDir(work, 1, 3, gzip: true).Done);

        var error = Assert.Throws<WorkerFailureException>(() => new ShardMerger(work, 3, output).Merge());
        Assert.Contains("1 shard of 3 not finished", error.Message);
        Assert.EndsWith(": 1", error.Message);
        Assert.False(File.Exists(output));
    }

    [SkippableFact]
    public void Refuses_a_done_record_that_disagrees_with_its_output()
    {
        var output = _temp.Combine("out", "pairs.jsonl.gz");
        var work = RunShards(2, output);
        var done = ShardFiles.InWorkDir(work, 0, 2, gzip: true).Done;
        var record = DoneRecord.TryRead(done)!;
        (record with { Records = record.Records + 1 }).Write(done);

        var error = Assert.Throws<WorkerFailureException>(() => new ShardMerger(work, 2, output).Merge());
        Assert.Contains("shard 0 of 2's done record says", error.Message);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp-*"));
    }

    [SkippableFact]
    public void Refuses_shards_made_with_different_settings()
    {
        var output = _temp.Combine("out", "pairs.jsonl.gz");
        var work = RunShards(2, output);
        var done = ShardFiles.InWorkDir(work, 1, 2, gzip: true).Done;
        (DoneRecord.TryRead(done)! with { SettingsHash = "other" }).Write(done);

        var error = Assert.Throws<WorkerFailureException>(() => new ShardMerger(work, 2, output).Merge());
        Assert.Contains("different settings", error.Message);
    }

    [SkippableFact]
    public void A_killed_merges_temporary_file_is_gone_after_the_next_merge()
    {
        var output = _temp.Combine("out", "pairs.jsonl.gz");
        var work = RunShards(2, output);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllText(output + ".tmp-99999", "half");
        File.WriteAllText(output + ".errors.jsonl.tmp-99999", "half");

        new ShardMerger(work, 2, output).Merge();

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, "*.tmp-*"));
        Assert.NotEmpty(Lines(output));
    }

    [SkippableFact]
    public void Gzip_output_is_members_of_whole_lines()
    {
        var output = _temp.Combine("out", "pairs.jsonl.gz");
        new ShardMerger(RunShards(2, output), 2, output).Merge();
        using var gzip = new GZipStream(File.OpenRead(output), CompressionMode.Decompress);
        var text = new StreamReader(gzip).ReadToEnd();
        Assert.EndsWith("\n", text);
        Assert.Equal(25, text.Count(c => c == '\n'));
    }

    [SkippableFact]
    public void Parquet_from_the_same_shards_holds_every_row_of_the_jsonl_read_back_by_arrow()
    {
        var jsonl = _temp.Combine("j", "pairs.jsonl.gz");
        var parquet = _temp.Combine("p", "pairs.parquet");
        new ShardMerger(RunShards(3, jsonl), 3, jsonl).Merge();
        var summary = new ShardMerger(RunShards(3, parquet), 3, parquet).Merge();

        // Apache Arrow's reader (ParquetSharp), not the writer's own, gives back exactly the JSONL lines, in order.
        var rows = Output.ParquetPairsWriterTests.ReadWithArrow(parquet).Select(r => r.ToLine()).ToList();
        Assert.Equal(Lines(jsonl), rows);
        Assert.Equal(25, summary.Records);
        Assert.Equal(File.ReadAllBytes(jsonl + ".errors.jsonl"), File.ReadAllBytes(parquet + ".errors.jsonl"));
        // The same inputs give the same bytes, and verify/report read Parquet through the one reader.
        var again = _temp.Combine("p2", "pairs.parquet");
        new ShardMerger(_temp.Combine("work-3"), 3, again).Merge();
        Assert.Equal(File.ReadAllBytes(parquet), File.ReadAllBytes(again));
        Assert.Equal(rows, MergedPairs.ReadLines(parquet).Select(l => l.Json));
    }

    private static IReadOnlyList<string> Lines(string path) => MergedPairs.ReadLines(path).Select(l => l.Json).ToList();
}
