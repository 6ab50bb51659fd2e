namespace SpeechPairs.Tokenizer.Features;

/// <summary>The encoder input of one clip: LFR + CMVN frames, grouped into the reference's streaming pieces.</summary>
/// <param name="Data">[Frames, Dim] row-major, float32.</param>
/// <param name="Dim">Feature width (n_mels × lfr_m = 560 for FunASR's Paraformer).</param>
/// <param name="PieceLengths">New LFR frames per piece (the encoder keeps this many outputs from each piece).</param>
/// <param name="SkippedTailSamples">Samples of a short last piece the reference skips, if any.</param>
public sealed record Vq02Features(float[] Data, int Dim, int[] PieceLengths, int? SkippedTailSamples)
{
    public int Frames => Dim == 0 ? 0 : Data.Length / Dim;

    /// <summary>For a part of a long clip (see <see cref="OnlineFrontend.ExtractPart"/>): the clip's index of the first frame.</summary>
    public int FirstFrame { get; init; }

    /// <summary>
    /// For a part of a long clip after its first: the clip's <see cref="PrecedingFrames"/> frames before
    /// <see cref="FirstFrame"/>, [5, Dim] — what the first piece's overlap reads, where a whole clip has zeros.
    /// </summary>
    public float[]? Preceding { get; init; }

    /// <summary>Frames of overlap each encoder piece reads before its own (chunk_size[0] + chunk_size[2]).</summary>
    public const int PrecedingFrames = 5;
}
