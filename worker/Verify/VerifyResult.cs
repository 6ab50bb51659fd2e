namespace SpeechPairs.Worker.Verify;

/// <summary>What verify counted, and the problems it found.</summary>
public sealed record VerifyResult(
    VerifyProblems Problems,
    long Pairs,
    long Records,
    long Errors,
    long TooLong,
    long Placeholder,
    long UnpairedWav,
    long UnpairedLab,
    long Tokens,
    double AudioSeconds,
    int ShardsChecked)
{
    public bool Verified => !Problems.Any;
}
