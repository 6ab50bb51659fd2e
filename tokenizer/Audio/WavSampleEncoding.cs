namespace SpeechPairs.Tokenizer.Audio;

/// <summary>How a WAV file stores its samples (after resolving WAVE_FORMAT_EXTENSIBLE to its sub-format).</summary>
public enum WavSampleEncoding
{
    /// <summary>Integer PCM: 8-bit is unsigned (offset 128), 16/24/32-bit are signed two's complement.</summary>
    Pcm,

    /// <summary>IEEE 754 float, 32 or 64 bits.</summary>
    IeeeFloat,
}
