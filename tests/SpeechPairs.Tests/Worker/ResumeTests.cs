using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Tests.Worker;

/// <summary>An interrupted shard, resumed, ends byte-identical to one that was never interrupted.</summary>
public sealed class ResumeTests
{
    private const double BatchSeconds = 2.5;

    private sealed class Reference : IDisposable
    {
        public Reference(bool gzip)
        {
            Root = Temp.Combine("extract");
            TestArchive.WriteGoodClips(Root, 24);
            // Errors spread through the shard, so both files grow batch by batch.
            TestArchive.WritePair(Root, "中文 - Chinese/角色 1/vo_003 台词 bad", 0.5, "", seed: 1);
            TestArchive.WritePair(Root, "中文 - Chinese/角色 2/vo_010 short", 0.05, "短", seed: 2);
            TestArchive.WritePair(Root, "中文 - Chinese/角色 3/vo_020 fails", 0.6, "败", seed: 3, firstSample: FakeClipTokenizer.FailMarker);
            Output = Temp.Combine("reference", gzip ? "shard.jsonl.gz" : "shard.jsonl");
            ShardHarness.Execute(ShardHarness.Job(Root, Output, batchSeconds: BatchSeconds));
            Records = File.ReadAllBytes(Output);
            Errors = File.ReadAllBytes(Output + ".errors.jsonl");
            Assert.NotEmpty(Errors);
        }

        public TempDir Temp { get; } = new();

        public string Root { get; }

        public string Output { get; }

        public byte[] Records { get; }

        public byte[] Errors { get; }

        /// <summary>Writes the reference files cut to the given lengths, resumes, and returns the resulting bytes.</summary>
        public (byte[] Records, byte[] Errors, ShardHarness.Run Run) ResumeFrom(int recordBytes, int errorBytes, string name)
        {
            var output = Temp.Combine(name, Path.GetFileName(Output));
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            File.WriteAllBytes(output, Records[..recordBytes]);
            File.WriteAllBytes(output + ".errors.jsonl", Errors[..errorBytes]);
            var run = ShardHarness.Execute(ShardHarness.Job(Root, output, resume: true, batchSeconds: BatchSeconds));
            return (File.ReadAllBytes(output), File.ReadAllBytes(output + ".errors.jsonl"), run);
        }

        public void Dispose() => Temp.Dispose();
    }

    /// <summary>0 bytes, 1 byte, every member or line boundary and its neighbours, the middle of members, the last byte, random points.</summary>
    private static SortedSet<int> CutPoints(byte[] file, bool gzip)
    {
        var cuts = new SortedSet<int> { 0, 1, file.Length - 1, file.Length };
        var boundaries = new List<int> { 0 };
        if (gzip)
        {
            for (var offset = 0; offset < file.Length;)
            {
                offset += (int)GzipMember.ReadDeclaredLength(file.AsSpan(offset))!.Value;
                boundaries.Add(offset);
            }
        }
        else
        {
            for (var i = 0; i < file.Length; i++)
            {
                if (file[i] == '\n' && i % 3 == 0)
                    boundaries.Add(i + 1);
            }
        }

        for (var b = 1; b < boundaries.Count; b++)
        {
            cuts.UnionWith([boundaries[b] - 1, boundaries[b], boundaries[b] + 1, (boundaries[b - 1] + boundaries[b]) / 2]);
        }

        var random = new Random(20240611);
        for (var i = 0; i < 8; i++)
            cuts.Add(random.Next(file.Length));
        cuts.RemoveWhere(c => c < 0 || c > file.Length);
        return cuts;
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Resuming_after_a_cut_at_any_byte_gives_the_uninterrupted_output(bool gzip)
    {
        using var reference = new Reference(gzip);
        if (gzip)
            Assert.True(CutPoints(reference.Records, gzip).Count(c => GzipMember.ReadDeclaredLength(reference.Records.AsSpan(c)) is not null) > 3);
        foreach (var cut in CutPoints(reference.Records, gzip))
        {
            var (records, errors, _) = reference.ResumeFrom(cut, reference.Errors.Length, $"cut-{cut}");
            Assert.True(reference.Records.AsSpan().SequenceEqual(records), $"output differs after resuming from a cut at byte {cut}");
            Assert.True(reference.Errors.AsSpan().SequenceEqual(errors), $"errors differ after resuming from a cut at byte {cut}");
            // The done record counts the whole shard, resumed clips included (audio from their WAV headers).
            var expected = DoneRecord.TryRead(reference.Output + ".done")!;
            var resumed = DoneRecord.TryRead(reference.Temp.Combine($"cut-{cut}", Path.GetFileName(reference.Output)) + ".done")!;
            Assert.Equal((expected.Records, expected.Errors, expected.Excluded, expected.Tokens), (resumed.Records, resumed.Errors, resumed.Excluded, resumed.Tokens));
            Assert.Equal(expected.AudioSeconds, resumed.AudioSeconds, 3);
        }
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Resuming_after_both_files_were_cut_gives_the_uninterrupted_output(bool gzip)
    {
        using var reference = new Reference(gzip);
        var random = new Random(7);
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var recordCut = random.Next(reference.Records.Length + 1);
            var errorCut = attempt == 0 ? 0 : random.Next(reference.Errors.Length + 1);
            var (records, errors, _) = reference.ResumeFrom(recordCut, errorCut, $"both-{attempt}");
            Assert.True(reference.Records.AsSpan().SequenceEqual(records), $"output differs (cuts {recordCut}/{errorCut})");
            Assert.True(reference.Errors.AsSpan().SequenceEqual(errors), $"errors differ (cuts {recordCut}/{errorCut})");
        }
    }

    [SkippableFact]
    public void Resume_skips_finished_clips_and_counts_them()
    {
        using var reference = new Reference(gzip: true);
        var secondMember = (int)GzipMember.ReadDeclaredLength(reference.Records)!.Value;
        var (_, _, run) = reference.ResumeFrom(secondMember, reference.Errors.Length, "counts");
        var progress = run.Result.Progress!;
        Assert.Equal(27, progress.Total);
        Assert.Equal(27, progress.Done);
        Assert.True(progress.Resumed > 3);
        // The errors file was kept whole, so only clips with tokens are left, each tokenized once.
        Assert.Equal(27 - progress.Resumed, run.Tokenizer.Batches.Sum(b => b.Count));
        Assert.Equal(3, progress.Errors);
        Assert.Contains($"resumed {progress.Resumed} (", run.Log);
    }

    [SkippableFact]
    public void A_done_marker_ends_a_resumed_run_at_once_unless_no_done()
    {
        using var reference = new Reference(gzip: true);
        var before = File.GetLastWriteTimeUtc(reference.Output);
        var done = ShardHarness.Execute(ShardHarness.Job(reference.Root, reference.Output, resume: true));
        Assert.True(done.Result.AlreadyDone);
        Assert.Equal(0, done.TokenizerLoads);
        Assert.Contains("already done", done.Log);
        Assert.Equal(before, File.GetLastWriteTimeUtc(reference.Output));

        var ignoringMarker = ShardHarness.Execute(ShardHarness.Job(reference.Root, reference.Output, resume: true, useDoneMarker: false));
        Assert.False(ignoringMarker.Result.AlreadyDone);
        Assert.Equal(0, ignoringMarker.TokenizerLoads); // everything was finished: the models are not even loaded
        Assert.Equal(reference.Records, File.ReadAllBytes(reference.Output));
    }

    [SkippableFact]
    public void Resume_refuses_output_of_another_shard_selection()
    {
        using var reference = new Reference(gzip: false);
        File.Delete(reference.Output + ".done");
        var failure = Assert.Throws<WorkerFailureException>(() => ShardHarness.Execute(
            ShardHarness.Job(reference.Root, reference.Output, resume: true, shard: new ShardSelection(1, 2))));
        Assert.Contains("not a clip of this shard", failure.Message);
        Assert.Contains("\"state\":\"failed\"", File.ReadAllText(reference.Output + ".progress.json"));
        Assert.Equal(reference.Records, File.ReadAllBytes(reference.Output));
    }

    [SkippableFact]
    public void Resume_without_earlier_files_starts_from_scratch()
    {
        using var reference = new Reference(gzip: true);
        var output = reference.Temp.Combine("new", "shard.jsonl.gz");
        ShardHarness.Execute(ShardHarness.Job(reference.Root, output, resume: true, batchSeconds: BatchSeconds));
        Assert.Equal(reference.Records, File.ReadAllBytes(output));
    }
}
