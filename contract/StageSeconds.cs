namespace SpeechPairs.Contract;

/// <summary>
/// Where the wall time of the run that finished a shard went (earlier runs of a resumed shard are not in it). The
/// foreground stages run one after another on the shard's main thread, so with <see cref="Other"/> they add up to
/// <see cref="Total"/>; <see cref="Decode"/> runs on a background thread, one batch ahead, and overlaps them: only
/// <see cref="DecodeWait"/>, the time the tokenizer waited for it, is foreground time.
/// </summary>
/// <param name="Total">The run's wall time, from the start of the shard to its done record.</param>
/// <param name="ModelLoad">Loading and checking the tokenizer bundle.</param>
/// <param name="DecodeWait">Waiting for the background decoder's next batch.</param>
/// <param name="Decode">Reading transcripts and decoding WAVs (background).</param>
/// <param name="Preprocess">Resampling to 16 kHz, energy normalisation, trim.</param>
/// <param name="Vq02FrontEnd">vq02's fbank, LFR and CMVN.</param>
/// <param name="Vq02Encoder">vq02's encoder and nearest-centroid search.</param>
/// <param name="Vq06">vq06's log-mel and ONNX runs.</param>
/// <param name="Write">Appending the output and errors lines.</param>
public sealed record StageSeconds(
    double Total,
    double ModelLoad,
    double DecodeWait,
    double Decode,
    double Preprocess,
    double Vq02FrontEnd,
    double Vq02Encoder,
    double Vq06,
    double Write)
{
    /// <summary>Foreground time in no named stage: finding pairs, planning batches, the token cache, progress.</summary>
    public double Other => Math.Max(0, Total - ModelLoad - DecodeWait - Preprocess - Vq02FrontEnd - Vq02Encoder - Vq06 - Write);
}
