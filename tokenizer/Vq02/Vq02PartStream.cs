using System.Diagnostics;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// vq02 of one long clip, part after part: each part's pieces through the front end and the encoder, with what the
/// next part needs carried over (the clip's frame index, the 5 frames before it, each layer's key/value cache), so the
/// codes are the ones the whole clip at once gets.
/// </summary>
internal sealed class Vq02PartStream(Vq02Tokenizer vq02, float dither, ulong ditherSeed) : IDisposable
{
    private readonly EncoderCarry _carry = new();
    private float[]? _preceding;
    private int _firstFrame;

    /// <summary>
    /// Codes of the consecutive <paramref name="pieces"/> of the clip's plan, read from <paramref name="samples"/>
    /// (the clip's samples from <paramref name="samplesStart"/>, covering <see cref="OnlineFrontend.SampleSpan"/>), or
    /// why the encoder failed on them: the clip's own failure, as in a batch.
    /// </summary>
    public (int[]? Codes, string? Error) Next(IReadOnlyList<int[][]> pieces, ReadOnlySpan<float> samples, long samplesStart, bool lastPart, TokenizerStageTimes times)
    {
        long start = Stopwatch.GetTimestamp();
        var features = vq02.Frontend.ExtractPart(pieces, samples, samplesStart, _firstFrame, _preceding, dither, ditherSeed);
        times.AddVq02FrontEnd(start);
        start = Stopwatch.GetTimestamp();
        int[] codes;
        try
        {
            using var frames = vq02.Encoder.EncodePart(features, _carry, lastPart, vq02.Lanes);
            codes = vq02.Centroids.Assign(frames);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, $"vq02 encoder failed: {e.Message}");
        }
        times.AddVq02Encoder(start);
        _firstFrame += features.Frames;
        _preceding = features.Data[^(Vq02Features.PrecedingFrames * features.Dim)..];
        return (codes, null);
    }

    public void Dispose() => _carry.Dispose();
}
