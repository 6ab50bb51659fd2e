namespace SpeechPairs.Contract;

/// <summary>A step of the job. Each is one worker command run as <c>worker COMMAND --job WorkDir/job.json</c>, by MSBuild and by the Slurm driver alike.</summary>
public enum JobStep
{
    Extract,
    Shards,
    Merge,
    Verify,
    Report,

    /// <summary>Only on request (-t:Parity): the user's Step-Audio reference against SpeechPairs on a sample of the clips.</summary>
    Parity,
}

public static class JobSteps
{
    /// <summary>The steps a run with these settings takes, in order.</summary>
    public static IReadOnlyList<JobStep> For(bool skipExtract, bool verify, bool report) =>
    [
        .. skipExtract ? Array.Empty<JobStep>() : [JobStep.Extract],
        JobStep.Shards,
        JobStep.Merge,
        .. verify ? [JobStep.Verify] : Array.Empty<JobStep>(),
        .. report ? [JobStep.Report] : Array.Empty<JobStep>(),
    ];

    /// <summary>The worker command that runs the step.</summary>
    public static string Command(this JobStep step) => step switch
    {
        JobStep.Extract => "extract",
        JobStep.Shards => "shard",
        JobStep.Merge => "merge",
        JobStep.Verify => "verify",
        JobStep.Report => "report",
        JobStep.Parity => "parity",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    /// <summary>The worker command line of the step (a shard also needs its index: <c>--shard-index</c>).</summary>
    public static IReadOnlyList<string> Arguments(this JobStep step, string jobFile) => [step.Command(), "--job", jobFile];
}
