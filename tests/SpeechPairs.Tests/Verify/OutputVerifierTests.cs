using System.Text;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Verify;

namespace SpeechPairs.Tests.Verify;

/// <summary>verify on a right output, and on outputs broken in each way it must catch.</summary>
public sealed class OutputVerifierTests
{
    [SkippableFact]
    public void A_right_output_verifies_with_every_pair_accounted_for()
    {
        using var world = new VerifyWorld();
        var result = world.Verify();

        Assert.True(result.Verified, result.Problems.Describe());
        Assert.Equal(15, result.Pairs); // 12 good, stereo, long, broken
        Assert.Equal(13, result.Records);
        Assert.Equal(1, result.Errors);
        Assert.Equal(1, result.TooLong);
        Assert.Equal(1, result.Placeholder);
        Assert.Equal(1, result.UnpairedWav);
        Assert.Equal(VerifyWorld.ShardCount, result.ShardsChecked);
        Assert.True(result.Tokens > 0 && result.Tokens % 5 == 0);
    }

    [SkippableFact]
    public void A_gzip_merged_output_verifies()
    {
        using var world = new VerifyWorld(output: "pairs.jsonl.gz");

        var result = world.Verify();

        Assert.True(result.Verified, result.Problems.Describe());
        Assert.Equal(13, result.Records);
    }

    [SkippableFact]
    public void A_deleted_line_is_a_missing_clip_and_a_shard_disagreement()
    {
        using var world = new VerifyWorld();
        var deleted = VerifyWorld.MergedRecordOf(world.RecordLines[4]).Id;
        world.RecordLines.RemoveAt(4);
        world.WriteMerged();

        var problems = world.Verify().Problems;

        Assert.Equal(1, problems.Counts[VerifyProblems.Missing]);
        Assert.Contains(deleted, problems.ExamplesOf(VerifyProblems.Missing)[0]);
        Assert.True(problems.Counts[VerifyProblems.Shard] >= 1);
    }

    [SkippableFact]
    public void A_clip_in_neither_file_is_missing()
    {
        using var world = new VerifyWorld();
        world.ErrorLines.RemoveAll(l => l.Contains("\"wav:", StringComparison.Ordinal));
        world.WriteMerged();

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(new Dictionary<string, long> { [VerifyProblems.Missing] = 1 }, problems.Counts);
        Assert.Contains("Broken/corrupt", problems.ExamplesOf(VerifyProblems.Missing)[0]);
    }

    [SkippableFact]
    public void A_duplicated_line_is_a_duplicate_id()
    {
        using var world = new VerifyWorld();
        world.RecordLines.Insert(3, world.RecordLines[2]);
        world.WriteMerged();

        Assert.Equal(1, world.Verify(withShards: false).Problems.Counts[VerifyProblems.DuplicateId]);
    }

    [SkippableFact]
    public void Lines_out_of_the_global_pair_order_are_reported()
    {
        using var world = new VerifyWorld();
        (world.RecordLines[1], world.RecordLines[2]) = (world.RecordLines[2], world.RecordLines[1]);
        world.WriteMerged();

        Assert.Equal(1, world.Verify(withShards: false).Problems.Counts[VerifyProblems.Order]);
    }

    [SkippableTheory]
    [InlineData("<audio_1>", "<audio_1999>", "vq02 code must be in [0, 1024)")]
    [InlineData("<audio_1>", "<audio_x>", "is not <audio_N>")]
    [InlineData("<audio_1>", "[1]", "does not start with <audio_")]
    public void An_altered_token_is_malformed(string original, string replacement, string reason)
    {
        using var world = new VerifyWorld();
        world.RecordLines[0] = ReplaceFirst(world.RecordLines[0], original, replacement);
        world.WriteMerged();

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(new Dictionary<string, long> { [VerifyProblems.Tokens] = 1 }, problems.Counts);
        Assert.Contains(reason, problems.ExamplesOf(VerifyProblems.Tokens)[0]);
    }

    [SkippableFact]
    public void A_vq06_code_out_of_range_is_malformed()
    {
        using var world = new VerifyWorld();
        world.RecordLines[0] = ReplaceFirst(world.RecordLines[0], "<audio_1024>", "<audio_5120>");
        world.WriteMerged();

        Assert.Contains("vq06 code must be in [1024, 5120)",
            world.Verify(withShards: false).Problems.ExamplesOf(VerifyProblems.Tokens).Single());
    }

    [SkippableFact]
    public void A_group_cut_short_is_malformed()
    {
        using var world = new VerifyWorld();
        var record = VerifyWorld.MergedRecordOf(world.RecordLines[0]);
        var cut = record.Tokens[..record.Tokens.LastIndexOf('<')];
        world.RecordLines[0] = world.RecordLines[0].Replace(record.Tokens, cut, StringComparison.Ordinal);
        world.WriteMerged();

        Assert.Contains("the last group is cut short", world.Verify(withShards: false).Problems.ExamplesOf(VerifyProblems.Tokens).Single());
    }

    [SkippableFact]
    public void A_whole_group_too_few_or_too_many_is_a_wrong_token_count_unless_trimmed_shorter()
    {
        using var world = new VerifyWorld();
        var record = VerifyWorld.MergedRecordOf(world.RecordLines[0]);
        var groups = TokenString.Parse(record.Tokens).Groups;
        world.RecordLines[0] = world.RecordLines[0].Replace(record.Tokens, VerifyWorld.FakeTokens(groups - 1), StringComparison.Ordinal);
        world.RecordLines[1] = world.RecordLines[1].Replace(VerifyWorld.MergedRecordOf(world.RecordLines[1]).Tokens,
            VerifyWorld.FakeTokens(TokenString.Parse(VerifyWorld.MergedRecordOf(world.RecordLines[1]).Tokens).Groups + 1), StringComparison.Ordinal);
        world.WriteMerged();

        Assert.Equal(2, world.Verify(withShards: false).Problems.Counts[VerifyProblems.TokenCount]);
        var trimmed = world.Verify(withShards: false, trim: true).Problems;
        Assert.Equal(1, trimmed.Counts[VerifyProblems.TokenCount]);
        Assert.Contains("at most", trimmed.ExamplesOf(VerifyProblems.TokenCount).Single());
    }

    [SkippableFact]
    public void A_wrong_sample_rate_is_reported()
    {
        using var world = new VerifyWorld();
        var index = world.RecordLines.FindIndex(l => l.EndsWith("\"sr\":16000}", StringComparison.Ordinal));
        world.RecordLines[index] = world.RecordLines[index].Replace("\"sr\":16000", "\"sr\":22050", StringComparison.Ordinal);
        world.WriteMerged();

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(1, problems.Counts[VerifyProblems.SampleRate]);
        Assert.Contains("the WAV header says 16000", problems.ExamplesOf(VerifyProblems.SampleRate)[0]);
    }

    [SkippableFact]
    public void Wrong_text_is_reported()
    {
        using var world = new VerifyWorld();
        var index = world.RecordLines.FindIndex(l => l.Contains("旅行者", StringComparison.Ordinal));
        var record = VerifyWorld.MergedRecordOf(world.RecordLines[index]);
        world.RecordLines[index] = world.RecordLines[index].Replace("旅行者", "冒险家", StringComparison.Ordinal);
        world.WriteMerged();

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(new Dictionary<string, long> { [VerifyProblems.Text] = 1 }, problems.Counts);
        Assert.StartsWith(record.Id, problems.ExamplesOf(VerifyProblems.Text)[0]);
    }

    [SkippableFact]
    public void Keys_in_another_order_are_reported()
    {
        using var world = new VerifyWorld();
        var r = VerifyWorld.MergedRecordOf(world.RecordLines[0]);
        world.RecordLines[0] = System.Text.Json.JsonSerializer.Serialize(new { text = r.Text, id = r.Id, tokens = r.Tokens, rel_wav = r.RelWav, rel_lab = r.RelLab, sr = r.Sr });
        world.WriteMerged();

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(1, problems.Counts[VerifyProblems.Keys]);
        Assert.Equal(1, problems.Counts[VerifyProblems.Missing]); // the line does not count as the clip's record
    }

    [SkippableFact]
    public void An_extra_key_a_torn_last_line_and_garbage_are_reported()
    {
        using var world = new VerifyWorld();
        world.RecordLines[0] = world.RecordLines[0][..^1] + ",\"extra\":1}";
        world.RecordLines.Insert(1, "not json");
        world.WriteMerged();
        File.AppendAllText(world.Output, "{\"id\":\"torn");

        var problems = world.Verify(withShards: false).Problems;

        Assert.Equal(1, problems.Counts[VerifyProblems.Keys]);
        Assert.Equal(1, problems.Counts[VerifyProblems.Unparsable]);
        Assert.Equal(1, problems.Counts[VerifyProblems.Torn]);
    }

    [SkippableFact]
    public void A_clip_with_a_record_and_an_error_line_is_reported()
    {
        using var world = new VerifyWorld();
        var r = VerifyWorld.MergedRecordOf(world.RecordLines[5]);
        world.ErrorLines.Add($"{{\"id\":{System.Text.Json.JsonSerializer.Serialize(r.Id)},\"rel_wav\":\"x\",\"error\":\"wav: odd\"}}");
        world.WriteMerged();

        Assert.Equal(1, world.Verify(withShards: false).Problems.Counts[VerifyProblems.RecordAndError]);
    }

    [SkippableFact]
    public void Too_long_exclusions_need_max_duration_and_must_be_too_long()
    {
        using var world = new VerifyWorld();

        var withoutLimit = new OutputVerifier(world.Options(withShards: false) with { MaxDurationSeconds = null }).Run().Problems;
        var higherLimit = new OutputVerifier(world.Options(withShards: false) with { MaxDurationSeconds = 3 }).Run().Problems;
        var lowerLimit = new OutputVerifier(world.Options(withShards: false) with { MaxDurationSeconds = 1.0 }).Run().Problems;

        Assert.Contains("no --max-duration", withoutLimit.ExamplesOf(VerifyProblems.Excluded).Single());
        Assert.Contains("is within --max-duration", higherLimit.ExamplesOf(VerifyProblems.Excluded).Single());
        Assert.Contains(lowerLimit.ExamplesOf(VerifyProblems.Excluded), e => e.Contains("but the clip has a record", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void A_done_record_that_disagrees_is_reported()
    {
        using var world = new VerifyWorld();
        var files = world.Shard(1);
        var done = DoneRecord.TryRead(files.Done)!;
        (done with { Records = done.Records + 1, Tokens = done.Tokens - 5 }).Write(files.Done);

        var problems = world.Verify().Problems;

        Assert.Equal(2, problems.Counts[VerifyProblems.Shard]);
        Assert.All(problems.ExamplesOf(VerifyProblems.Shard), e => Assert.StartsWith("shard 1 of 2", e));
    }

    [SkippableFact]
    public void A_missing_done_record_and_a_torn_gzip_member_are_reported()
    {
        using var world = new VerifyWorld(output: "pairs.jsonl.gz");
        File.Delete(world.Shard(0).Done);
        var output = world.Shard(1).Output;
        var bytes = File.ReadAllBytes(output);
        File.WriteAllBytes(output, bytes[..^10]);

        var problems = world.Verify().Problems;

        Assert.Contains(problems.ExamplesOf(VerifyProblems.Shard), e => e.Contains("no readable done record", StringComparison.Ordinal));
        Assert.Contains("bytes after the last complete gzip member", problems.ExamplesOf(VerifyProblems.Torn).Single());
    }

    [SkippableFact]
    public void A_shard_holding_another_shards_clip_is_reported()
    {
        using var world = new VerifyWorld();
        var zero = world.Shard(0);
        var one = world.Shard(1);
        File.WriteAllBytes(zero.Output, [.. File.ReadAllBytes(zero.Output), .. File.ReadAllBytes(one.Output)]);

        Assert.Contains(world.Verify().Problems.ExamplesOf(VerifyProblems.Shard), e => e.Contains("which belongs to shard 1 of 2", StringComparison.Ordinal));
    }

    private static string ReplaceFirst(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"{from} not in {text}");
        return text[..at] + to + text[(at + from.Length)..];
    }
}
