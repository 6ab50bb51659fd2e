using System.Diagnostics;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// Wall time a <see cref="Vq0206Tokenizer"/> spent in each stage, summed over its batches: what the benchmark and a
/// shard's done record report. Stages run one after another on the caller's thread, so they add up to the time spent
/// in <see cref="Vq0206Tokenizer.TokenizeBatch"/>.
/// </summary>
public sealed class TokenizerStageTimes
{
    /// <summary>Resampling to 16 kHz, energy normalisation and the optional trim.</summary>
    public double PreprocessSeconds { get; private set; }

    /// <summary>vq02's Kaldi fbank, LFR and CMVN.</summary>
    public double Vq02FrontEndSeconds { get; private set; }

    /// <summary>vq02's streaming encoder and nearest-centroid search.</summary>
    public double Vq02EncoderSeconds { get; private set; }

    /// <summary>vq06: log-mel and ONNX for every 30 s chunk (chunks run in parallel lanes).</summary>
    public double Vq06Seconds { get; private set; }

    internal void AddPreprocess(long startTimestamp) => PreprocessSeconds += Since(startTimestamp);

    internal void AddVq02FrontEnd(long startTimestamp) => Vq02FrontEndSeconds += Since(startTimestamp);

    internal void AddVq02Encoder(long startTimestamp) => Vq02EncoderSeconds += Since(startTimestamp);

    internal void AddVq06(long startTimestamp) => Vq06Seconds += Since(startTimestamp);

    private static double Since(long start) => Stopwatch.GetElapsedTime(start).TotalSeconds;
}
