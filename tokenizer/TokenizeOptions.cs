namespace SpeechPairs.Tokenizer;

/// <summary>
/// The per-run choices that change codes, carried by each <see cref="Vq0206Tokenizer"/> (one set of loaded models
/// serves tokenizers with different choices). Defaults match the reference, except dither (see README).
/// </summary>
public sealed record TokenizeOptions
{
    /// <summary>Kaldi fbank dither. 0 is deterministic; non-zero noise is seeded from the clip's samples.</summary>
    public float Dither { get; init; }

    /// <summary>librosa-style silence trim before tokenizing (off in the reference's batch script).</summary>
    public bool Trim { get; init; }
}
