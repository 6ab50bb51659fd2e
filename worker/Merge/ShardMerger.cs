using System.Diagnostics.CodeAnalysis;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Output;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.Merge;

/// <summary>
/// Merges the finished shards of a work folder into the merged output and its errors file, in the global pair order
/// (so the bytes do not depend on the shard count), once every shard has a done record — whoever wrote it. Totals come
/// from the done records; the line counts are checked against them on the way, so a shard whose files and record
/// disagree is never merged.
/// </summary>
/// <remarks>
/// The merged output set is one unit (<see cref="MergedOutputSet"/>): its merge record is deleted first (with the stats
/// and report that described the old set), both members are written in full under temporary names, renamed into place,
/// and the record is written last. A merge killed anywhere leaves a set without a record, which Verify and Report refuse
/// and the next merge (whose target is keyed on the record) makes again, removing the temporaries of the killed one.
/// </remarks>
public sealed class ShardMerger(string workDir, int shardCount, string output)
{
    private readonly string _output = Path.GetFullPath(output);
    private readonly MergedOutputSet _set = new(Path.GetFullPath(output));

    public string ErrorsOutput => _set.Errors;

    /// <summary>Called between the steps of the commit (after the members are written, after each rename), so tests can stop the merge there.</summary>
    internal static Action<string>? CommitStep { get; set; } = FaultInjection.FromEnvironment("SPEECHPAIRS_KILL_MERGE_AT");

    /// <summary>Merges and returns the merge record it wrote last (the totals, from the done records).</summary>
    public MergeRecord Merge(CancellationToken cancel = default)
    {
        var format = OutputFormats.Of(_output)
            ?? throw new UsageException($"--out must end in .jsonl.gz, .jsonl or .parquet: {_output}");
        var gzip = ShardFiles.ShardsAreGzip(_output);
        var shards = Enumerable.Range(0, shardCount).Select(i => ShardFiles.InWorkDir(workDir, i, shardCount, gzip)).ToArray();
        var records = ReadDoneRecords(shards);

        Directory.CreateDirectory(Path.GetDirectoryName(_output)!);
        foreach (var stale in new[] { _set.Record, _set.Stats, _set.Report })
            File.Delete(stale);

        var recordCounts = new long[shards.Length];
        using var merged = new MergedOutput(_output, format == OutputFormat.JsonlGzip);
        {
            var lines = OrderedMerge.ByRelWav(
                shards.Select((s, i) => Counted(ReadShard<PairRecord>(i, s.Output, gzip, PairRecord.TryRead), recordCounts, i)).ToArray(),
                line => line.Record.RelWav, (i, line) => OutOfOrder(i, shards[i].Output, line.Json));
            if (format == OutputFormat.Parquet)
                WriteParquet(lines.Select(line => line.Record), merged.Stream, cancel);
            else
            {
                foreach (var line in lines)
                {
                    cancel.ThrowIfCancellationRequested();
                    merged.Add(line.Json);
                }
            }
            CheckCounts(shards, records, recordCounts, r => r.Records, "records", s => s.Output);
            merged.Complete();
        }

        var errorCounts = new long[shards.Length];
        var kinds = new SortedDictionary<string, long>(StringComparer.Ordinal);
        using var mergedErrors = new MergedOutput(ErrorsOutput, gzip: false);
        {
            var lines = OrderedMerge.ByRelWav(
                shards.Select((s, i) => Counted(File.Exists(s.Errors) ? ReadShard<ErrorRecord>(i, s.Errors, gzip: false, ErrorRecord.TryRead) : [], errorCounts, i)).ToArray(),
                line => line.Record.RelWav, (i, line) => OutOfOrder(i, shards[i].Errors, line.Json));
            foreach (var line in lines)
            {
                cancel.ThrowIfCancellationRequested();
                if (!line.Record.IsExcluded)
                    kinds[line.Record.Kind] = kinds.GetValueOrDefault(line.Record.Kind) + 1;
                mergedErrors.Add(line.Json);
            }
            CheckCounts(shards, records, errorCounts, r => r.Errors + r.Excluded, "error lines", s => s.Errors);
            mergedErrors.Complete();
        }

        CommitStep?.Invoke("written");
        merged.MoveIntoPlace();
        CommitStep?.Invoke("out-renamed");
        mergedErrors.MoveIntoPlace();
        CommitStep?.Invoke("errors-renamed");
        var record = new MergeRecord(MergeRecord.CurrentVersion, records[0].SettingsHash, shardCount,
            records.Sum(r => r.Records), records.Sum(r => r.Errors), records.Sum(r => r.Excluded), kinds,
            records.Sum(r => r.AudioSeconds), records.Sum(r => r.Tokens), records.Sum(r => r.Tokenized), records.Sum(r => r.Reused),
            new FileInfo(_output).Length, new FileInfo(ErrorsOutput).Length, DateTimeOffset.UtcNow);
        record.Write(_set.Record);
        return record;
    }

    /// <summary>Parquet is made here from the gzip shards (it cannot be resumed after a kill: its footer comes last).</summary>
    private static void WriteParquet(IEnumerable<PairRecord> records, Stream output, CancellationToken cancel)
    {
        using var writer = new ParquetPairsWriter(output);
        foreach (var record in records)
        {
            cancel.ThrowIfCancellationRequested();
            try
            {
                writer.Add(record);
            }
            catch (ArgumentException e)
            {
                // A lone surrogate survives JSON as an escape but not Parquet's UTF-8: never let rows silently differ.
                throw new WorkerFailureException($"cannot write {record.Id} to Parquet: {e.Message}", e);
            }
        }
    }

    private delegate bool RecordReader<T>(string line, [NotNullWhen(true)] out T? record, out RecordProblem problem, out string reason);

    /// <summary>A shard file's lines, each with its record; a line that is not one stops the merge.</summary>
    private IEnumerable<(string Json, T Record)> ReadShard<T>(int index, string path, bool gzip, RecordReader<T> read) where T : class
    {
        foreach (var line in JsonlReader.Read(path, gzip))
        {
            if (!read(line.Json, out var record, out _, out var reason))
                throw new WorkerFailureException($"{Describe(index)}: {path} line {line.Number} is not a record ({reason}): {Clip(line.Json)}");
            yield return (line.Json, record);
        }
    }

    private WorkerFailureException OutOfOrder(int index, string path, string line) =>
        new($"{Describe(index)}: {path} holds a line out of order: {Clip(line)}");

    private DoneRecord[] ReadDoneRecords(ShardFiles[] shards)
    {
        var records = shards.Select(s => DoneRecord.TryRead(s.Done)).ToArray();
        var missing = Enumerable.Range(0, shards.Length).Where(i => records[i] is null || !File.Exists(shards[i].Output)).ToArray();
        if (missing.Length > 0)
            throw new WorkerFailureException(
                $"not merging: {MergeSummary.Plural(missing.Length, "shard")} of {shardCount} not finished " +
                $"(no done record in {Path.GetFullPath(workDir)}): {string.Join(", ", missing.Take(20))}{(missing.Length > 20 ? ", …" : "")}");
        var done = records.Select(r => r!).ToArray();
        for (var i = 0; i < done.Length; i++)
        {
            if (done[i].ShardIndex != i || done[i].ShardCount != shardCount)
                throw new WorkerFailureException($"not merging: {shards[i].Done} belongs to {ShardFiles.Describe(done[i].ShardIndex, done[i].ShardCount)}");
        }
        var hashes = done.Select(r => r.SettingsHash).Distinct().ToArray();
        if (hashes.Length > 1)
        {
            var odd = Enumerable.Range(0, done.Length).Where(i => done[i].SettingsHash != done[0].SettingsHash).Take(10);
            throw new WorkerFailureException(
                $"not merging: the shards were made with different settings (shard 0 vs {string.Join(", ", odd)}); re-run those shards or clean the work folder");
        }
        return done;
    }

    private void CheckCounts(ShardFiles[] shards, DoneRecord[] records, long[] counted, Func<DoneRecord, long> expected, string what, Func<ShardFiles, string> file)
    {
        for (var i = 0; i < shards.Length; i++)
        {
            if (counted[i] != expected(records[i]))
                throw new WorkerFailureException(
                    $"not merging: {Describe(i)}'s done record says {expected(records[i])} {what} but {file(shards[i])} holds {counted[i]}; " +
                    "delete its .done and run it again");
        }
    }

    private string Describe(int index) => ShardFiles.Describe(index, shardCount);

    private static IEnumerable<T> Counted<T>(IEnumerable<T> lines, long[] counts, int index)
    {
        foreach (var line in lines)
        {
            counts[index]++;
            yield return line;
        }
    }

    private static string Clip(string line) => line.Length > 120 ? line[..120] + "…" : line;
}
