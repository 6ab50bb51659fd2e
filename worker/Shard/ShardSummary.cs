using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Progress;

namespace SpeechPairs.Worker.Shard;

/// <summary>A shard run's start and end lines on stderr, and the done record that marks the shard finished.</summary>
internal sealed class ShardSummary(ShardJob job, TextWriter log, string prefix, ShardStageClock clock, TimeProvider time)
{
    /// <summary>Unpaired files named in the start summary; <c>worker report</c> lists them all.</summary>
    private const int UnpairedShown = 10;

    public void Start(PairScan scan, int shardClips, ShardOutput output)
    {
        var resumed = output.Resumed;
        log.WriteLine(
            $"{prefix} {scan.Pairs.Count} pairs in {job.ExtractDir} (unpaired {scan.UnpairedWav} wav, {scan.UnpairedLab} lab; " +
            $"placeholder excluded {scan.PlaceholderPairsExcluded}; id collisions {scan.IdCollisions}) | this shard {shardClips} clips | " +
            $"resumed {resumed.Done} ({resumed.Records} records, {resumed.Errors} errors; {output.DroppedBytes} torn bytes cut) | " +
            $"output {job.Files.Output}");
        // Every shard walks the same tree, so every shard names the same files; none of them owns these. One a line:
        // names hold commas and spaces.
        foreach (var file in scan.Unpaired.Take(UnpairedShown))
            log.WriteLine($"{prefix} unpaired: {PairFinder.Spelled(file)}");
        if (scan.Unpaired.Count > UnpairedShown)
            log.WriteLine($"{prefix} unpaired: {scan.Unpaired.Count - UnpairedShown} more (worker report lists them all)");
    }

    /// <summary>
    /// Writes the done record (unless the job keeps none), then marks the progress file done and logs the end line. The
    /// output must be closed first: the done record vouches for it.
    /// </summary>
    public ProgressSnapshot Finish(ProgressReporter progress, ShardTotals totals)
    {
        var final = progress.Current(ShardState.Done);
        if (job.UseDoneMarker)
            DoneRecordFor(final, totals).Write(job.Files.Done);
        final = progress.Finish(ShardState.Done);
        LogEnd(final, totals);
        return final;
    }

    private DoneRecord DoneRecordFor(ProgressSnapshot final, ShardTotals totals)
    {
        var records = final.Done - final.Errors;
        return new DoneRecord(
            DoneRecord.CurrentVersion,
            job.Shard.Index,
            job.Shard.Count,
            job.SettingsHash,
            records,
            final.Errors - totals.Excluded,
            totals.Excluded,
            Math.Round(totals.RecordSeconds, 3),
            totals.Tokens,
            records - final.Reused,
            final.Reused,
            Math.Round(final.EarlierRunsSeconds + final.ElapsedSeconds, 1),
            Math.Round(PeakMemory.Megabytes(), 0),
            time.GetUtcNow(),
            clock.Read(totals.TokenizerTimes));
    }

    private void LogEnd(ProgressSnapshot final, ShardTotals totals)
    {
        var thisRun = final.Done - final.Resumed;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{prefix} finished {final.Done}/{final.Total} clips in {ProgressSnapshot.FormatDuration(final.ElapsedSeconds)} " +
            $"({final.Done - final.Errors} records, {final.Errors - totals.Excluded} errors, {totals.Excluded} excluded; " +
            $"{thisRun} this run, {final.Resumed} resumed; {totals.Tokens} tokens) | " +
            $"{final.AudioSeconds:0.0} s of audio | {final.ClipsPerSecond:0.0} clips/s | {final.AudioSecondsPerSecond:0.0}x realtime | " +
            $"peak memory {PeakMemory.Megabytes():0} MB | tokenized {totals.Tokenized}, reused {totals.Reused} from the token cache"));
    }
}
