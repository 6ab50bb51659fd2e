using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Output;

namespace SpeechPairs.Worker.Verify;

/// <summary>
/// Checks that every shard of a work folder is whole (no torn line or gzip member), that its done record counts what
/// its files hold, and that its record lines are exactly the merged records of its pairs (positions ≡ index mod count), in order.
/// </summary>
/// <param name="mergedOutput">The merged output, whose name says whether the shards are gzip (<see cref="ShardFiles.ShardsAreGzip"/>).</param>
public sealed class ShardCrossCheck(string workDir, int shardCount, string mergedOutput, VerifyProblems problems)
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
        var files = ShardFiles.InWorkDir(workDir, index, shardCount, ShardFiles.ShardsAreGzip(mergedOutput));
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

        var recordIds = ReadIds(files.Output, files.IsGzip, JsonlRecovery.PairLine, name);
        var errorIds = ReadIds(files.Errors, gzip: false, JsonlRecovery.ErrorLine, name);
        long errors = 0, excluded = 0;
        try
        {
            foreach (var line in File.Exists(files.Errors) ? JsonlReader.Read(files.Errors, gzip: false) : [])
            {
                if (ErrorRecord.TryRead(line.Json, out var error, out _, out _) && error.IsExcluded)
                    excluded++;
                else
                    errors++;
            }
        }
        catch (JsonlReadException e)
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
    private List<string> ReadIds(string path, bool gzip, ShardLineReader readLine, string name)
    {
        if (!File.Exists(path))
            return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var recovered = gzip ? JsonlRecovery.RecoverGzip(stream, readLine) : JsonlRecovery.RecoverPlain(stream, readLine);
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
