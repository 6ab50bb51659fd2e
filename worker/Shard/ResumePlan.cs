using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// Whether a shard run continues an earlier one. A done record with this job's identity means there is nothing to do;
/// a done record or a progress document with another identity means another job made the files, so the shard starts
/// over rather than mixing two jobs' lines.
/// </summary>
/// <param name="AlreadyDone">An earlier run finished this shard for this job; nothing may be touched.</param>
/// <param name="Resume">Continue the existing output (false: start it over).</param>
/// <param name="Earlier">The earlier run's progress document, when it is this job's.</param>
internal sealed record ResumePlan(bool AlreadyDone, bool Resume, ProgressDocument? Earlier)
{
    /// <summary>Wall time of the earlier runs, which the progress file keeps adding to.</summary>
    public double EarlierWallSeconds => Earlier?.WallSeconds ?? 0;

    /// <summary>Clips the earlier runs took from the token cache.</summary>
    public int EarlierReused => Earlier?.Reused ?? 0;

    public static ResumePlan Decide(ShardJob job, TextWriter log, string prefix)
    {
        var files = job.Files;
        var resume = job.Resume;
        if (resume && job.UseDoneMarker && DoneRecord.TryRead(files.Done) is { } done)
        {
            if (done.SettingsHash == job.SettingsHash)
            {
                log.WriteLine($"{prefix} already done ({files.Done}: {done.Records} records, {done.Errors} errors); nothing to do");
                return new ResumePlan(AlreadyDone: true, Resume: true, null);
            }
            log.WriteLine($"{prefix} {files.Done} was made with other settings; starting over");
            resume = false;
        }

        var earlier = resume ? ProgressDocument.TryRead(files.Progress) : null;
        if (earlier?.SettingsHash is { } earlierHash && earlierHash != job.SettingsHash)
        {
            log.WriteLine($"{prefix} the partial output {files.Output} was made with other settings; starting over");
            return new ResumePlan(AlreadyDone: false, Resume: false, null);
        }

        return new ResumePlan(AlreadyDone: false, resume, earlier);
    }
}
