using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// What one part of a long clip hands the next through the encoder: each layer's newest key/value rows, exactly the
/// cache the next piece reads. With it a clip is encoded part by part in bounded memory, and every frame is the same
/// bits as in one pass over the whole clip (<see cref="SanmStreamingEncoder.EncodePart"/>).
/// </summary>
public sealed class EncoderCarry : IDisposable
{
    /// <summary>[layers, cache rows, 2·D]; null before the first part.</summary>
    internal Tensor? Rows { get; set; }

    /// <summary>Rows of <see cref="Rows"/> in use (the first this many of each layer).</summary>
    internal int Count { get; set; }

    public void Dispose()
    {
        Rows?.Dispose();
        Rows = null;
    }
}
