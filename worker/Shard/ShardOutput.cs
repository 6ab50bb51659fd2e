using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// The output and errors files of a shard, written batch by batch in shard order, plus the done marker.
/// <para>
/// Fresh start: the done marker is deleted first, then errors and output are emptied in place (not rebuilt elsewhere and
/// renamed, so a crash keeps everything written so far). Only the done marker vouches for completeness, so no moment
/// shows old and new lines under a marker. Resume: both files are read back and cut after their last complete line or
/// gzip member, then appended to.
/// </para>
/// </summary>
internal sealed class ShardOutput : IDisposable
{
    private readonly JsonlFile _records;
    private readonly JsonlFile _errors;
    private readonly Lock _writeGate = new();

    private ShardOutput(JsonlFile records, JsonlFile errors, ResumeState resumed, long droppedBytes)
    {
        _records = records;
        _errors = errors;
        Resumed = resumed;
        DroppedBytes = droppedBytes;
    }

    public ResumeState Resumed { get; }

    /// <summary>Torn bytes cut off the end of the output and errors files when resuming.</summary>
    public long DroppedBytes { get; }

    public static ShardOutput Open(ShardFiles files, bool resume, IReadOnlyList<ClipPair> shardClips)
    {
        JsonlFile? errors = null, records = null;
        try
        {
            if (!resume)
            {
                File.Delete(files.Done);
                errors = JsonlFile.OpenEmpty(files.Errors, gzip: false);
                records = JsonlFile.OpenEmpty(files.Output, files.IsGzip);
                return new ShardOutput(records, errors, ResumeState.Empty, 0);
            }

            errors = JsonlFile.OpenToContinue(files.Errors, gzip: false, JsonlRecovery.ErrorLine, out var errorLines, out var droppedErrors);
            records = JsonlFile.OpenToContinue(files.Output, files.IsGzip, JsonlRecovery.PairLine, out var recordLines, out var droppedRecords);
            var state = ResumeState.From(recordLines.Ids, recordLines.Tokens, errorLines.Ids, shardClips, files);
            return new ShardOutput(records, errors, state, droppedErrors + droppedRecords);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or WorkerFailureException)
        {
            records?.Dispose();
            errors?.Dispose();
            throw e as WorkerFailureException ?? new WorkerFailureException($"cannot open the shard output {files.Output}: {e.Message}", e);
        }
    }

    /// <summary>Appends one batch: its output lines, then its error lines, each durable before this returns.</summary>
    public void AppendBatch(IReadOnlyList<string> recordLines, IReadOnlyList<string> errorLines)
    {
        lock (_writeGate)
        {
            _records.Append(recordLines);
            _errors.Append(errorLines);
        }
    }

    /// <summary>
    /// Waits for a batch being written to finish, then blocks all further writes for good: called on the way out of
    /// the process (signal, parent gone) so that exiting never cuts a gzip member in half.
    /// </summary>
    public void HaltWrites() => _writeGate.Enter();

    public void Dispose()
    {
        _records.Dispose();
        _errors.Dispose();
    }
}
