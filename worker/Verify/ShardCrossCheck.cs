using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.Verify;

/// <summary>
/// Checks that every shard of a work folder is whole (no torn line or gzip member), that its done record counts what
/// its files hold, and that its record lines are exactly the merged records of its pairs (positions ≡ index mod count), in order.
/// </summary>
public sealed class ShardCrossCheck(string workDir, int shardCount, VerifyProblems problems)
{
    /// <returns>The number of shards checked.</returns>
    public int Run(IReadOnlyList<ClipPair> pairs, Dictionary<string, int> positions, PairOutcome[] outcome, long[] tokensOf)
    {
        if (shardCount < 1)
            throw new UsageException($"--shard-count must be at least 1 (got {shardCount})");
        for (var index = 0; index < shardCount; index++)
            CheckShard(index, pairs, positions, outcome, tokensOf);
        return shardCount;
    }

    private void CheckShard(int index, IReadOnlyList<ClipPair> pairs, Dictionary<string, int> positions, PairOutcome[] outcome, long[] tokensOf)
    {
        var name = ShardFiles.Describe(index, shardCount);
        var files = ShardFiles.InWorkDir(workDir, index, shardCount, gzip: true);
        if (!File.Exists(files.Output))
            files = ShardFiles.InWorkDir(workDir, index, shardCount, gzip: false);
        if (!File.Exists(files.Output))
        {
            problems.Add(VerifyProblems.Shard, name, $"no output {Path.GetFileName(files.Output)} in {workDir}");
            return;
        }

        var done = DoneRecord.TryRead(files.Done);
        if (done is null)
            problems.Add(VerifyProblems.Shard, name, $"no readable done record {Path.GetFileName(files.Done)}");
        else if (done.ShardIndex != index || done.ShardCount != shardCount)
            problems.Add(VerifyProblems.Shard, name, $"the done record is for {ShardFiles.Describe(done.ShardIndex, done.ShardCount)}");

        var recordIds = ReadIds(files.Output, files.IsGzip, name);
        var errorIds = ReadIds(files.Errors, gzip: false, name);
        long errors = 0, excluded = 0;
        try
        {
            foreach (var (_, line, _) in File.Exists(files.Errors) ? ErrorLine.ReadFile(files.Errors) : [])
            {
                if (line?.IsTooLong == true)
                    excluded++;
                else
                    errors++;
            }
        }
        catch (MergedFileException e)
        {
            problems.Add(VerifyProblems.Torn, name, e.Message);
        }

        var expected = new List<string>();
        long tokens = 0;
        for (var position = index; position < pairs.Count; position += shardCount)
        {
            if (outcome[position] != PairOutcome.Record)
                continue;
            expected.Add(pairs[position].Id);
            tokens += tokensOf[position];
        }

        if (!recordIds.SequenceEqual(expected, StringComparer.Ordinal))
            problems.Add(VerifyProblems.Shard, name, DescribeDifference(recordIds, expected, positions, index));
        if (done is null)
            return;
        Compare(name, "records", done.Records, recordIds.Count);
        Compare(name, "errors", done.Errors, errors);
        Compare(name, "excluded", done.Excluded, excluded);
        Compare(name, "tokens (of the merged records)", done.Tokens, tokens);
        if (errorIds.Count != errors + excluded)
            problems.Add(VerifyProblems.Shard, name, "the errors file has lines that are not error lines");
    }

    private void Compare(string name, string what, long declared, long counted)
    {
        if (declared != counted)
            problems.Add(VerifyProblems.Shard, name, string.Create(CultureInfo.InvariantCulture,
                $"the done record says {declared} {what}, the files hold {counted}"));
    }

    /// <summary>The ids of a shard file's complete lines; a torn end (line or gzip member) is a problem.</summary>
    private List<string> ReadIds(string path, bool gzip, string name)
    {
        if (!File.Exists(path))
            return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var recovered = gzip ? JsonlRecovery.RecoverGzip(stream) : JsonlRecovery.RecoverPlain(stream);
        if (recovered.GoodLength != stream.Length)
            problems.Add(VerifyProblems.Torn, name, string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(path)}: {stream.Length - recovered.GoodLength} bytes after the last complete {(gzip ? "gzip member" : "line")}"));
        return recovered.Ids.ToList();
    }

    private string DescribeDifference(List<string> actual, List<string> expected, Dictionary<string, int> positions, int index)
    {
        var extra = actual.Except(expected, StringComparer.Ordinal).FirstOrDefault();
        var lacking = expected.Except(actual, StringComparer.Ordinal).FirstOrDefault();
        if (extra is not null)
            return positions.TryGetValue(extra, out var p) && p % shardCount != index
                ? $"holds {extra}, which belongs to {ShardFiles.Describe(p % shardCount, shardCount)}"
                : $"holds {extra}, which is not a record of the merged output";
        if (lacking is not null)
            return $"lacks {lacking}, a record of the merged output";
        return $"its {actual.Count} records are not in the merged order";
    }
}
