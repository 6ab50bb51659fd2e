namespace SpeechPairs.Worker.Verify;

/// <summary>How a pair of the extracted tree is accounted for.</summary>
public enum PairOutcome : byte
{
    None,
    Record,
    Error,
    TooLong,
}
