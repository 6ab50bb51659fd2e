namespace SpeechPairs.Worker.Hosting;

/// <summary>The worker's exit codes (documented in <c>--help</c>).</summary>
public static class ExitCodes
{
    /// <summary>The shard completed (clip errors included) or was already done; every tokenize input succeeded.</summary>
    public const int Success = 0;

    /// <summary>The shard could not run (missing input, bad model bundle, unwritable output); some tokenize input failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad arguments.</summary>
    public const int Usage = 2;

    /// <summary><c>parity</c>: a code differs from the reference outside a near-tie (near-tie-only differences exit 0, reported).</summary>
    public const int ParityDiffers = 1;

    /// <summary><c>parity</c>: no comparison was made: bad arguments, or the reference could not run (the message says why).</summary>
    public const int ParityUnavailable = 2;

    /// <summary>The process named by <c>--parent-pid</c> went away.</summary>
    public const int ParentExited = 3;

    /// <summary>Stopped by Ctrl+C (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>Stopped by SIGTERM (128 + SIGTERM).</summary>
    public const int Terminated = 143;
}
