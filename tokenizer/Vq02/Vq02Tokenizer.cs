using System.Diagnostics;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// vq02, batch first: FunASR's online front end (Kaldi fbank, LFR, CMVN), the streaming SANM encoder, then the nearest
/// of <c>linguistic_tokenizer.npy</c>'s 1024 centroids per frame. Owns its loaded parts; a clip's codes do not depend
/// on the batch it is in.
/// </summary>
public sealed class Vq02Tokenizer : IDisposable
{
    internal Vq02Tokenizer(ParaformerConfig config, OnlineFrontend frontend, SanmEncoderWeights weights, CentroidQuantizer centroids,
        Device device, int lanes)
    {
        Config = config;
        Frontend = frontend;
        Weights = weights;
        Encoder = new SanmStreamingEncoder(weights, device);
        Centroids = centroids;
        Lanes = lanes;
    }

    /// <summary>Lanes the encoder runs its windows in: the process's cores on the CPU, one on a GPU.</summary>
    public int Lanes { get; }

    internal ParaformerConfig Config { get; }

    internal OnlineFrontend Frontend { get; }

    internal SanmEncoderWeights Weights { get; }

    internal SanmStreamingEncoder Encoder { get; }

    internal CentroidQuantizer Centroids { get; }

    /// <summary>
    /// vq02 codes of 16 kHz, energy-normalised clips. A clip the front end refuses, or whose encoder run fails, gets its
    /// error; the others are unaffected. <paramref name="times"/> hears the front end's and the encoder's time.
    /// </summary>
    public BatchCodes Quantize(IReadOnlyList<float[]> audio16k, float dither, TokenizerStageTimes? times = null)
    {
        var result = BatchCodes.For(audio16k.Count);
        var features = new List<Vq02Features>();
        var owners = new List<int>();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < audio16k.Count; i++)
        {
            try
            {
                features.Add(Frontend.Extract(audio16k[i], dither));
                owners.Add(i);
            }
            catch (InvalidOperationException e)
            {
                result.Errors[i] = $"vq02 front end: {e.Message}";
            }
        }
        times?.AddVq02FrontEnd(start);
        if (features.Count == 0) return result;

        start = Stopwatch.GetTimestamp();
        try
        {
            Encode(features, owners, result.Codes);
        }
        catch (Exception batchError) when (batchError is not OutOfMemoryException && features.Count == 1)
        {
            // A batch of one is its clip's own run: the failure is the clip's.
            result.Errors[owners[0]] = $"vq02 encoder failed: {batchError.Message}";
        }
        catch (Exception batchError) when (batchError is not OutOfMemoryException)
        {
            // Isolate the clip that fails: results do not depend on batch membership, so one by one is equal.
            for (int k = 0; k < features.Count; k++)
            {
                try
                {
                    Encode([features[k]], [owners[k]], result.Codes);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    result.Errors[owners[k]] = $"vq02 encoder failed: {e.Message}";
                }
            }
        }
        times?.AddVq02Encoder(start);
        return result;
    }

    private void Encode(IReadOnlyList<Vq02Features> features, IReadOnlyList<int> owners, int[]?[] codes)
    {
        var (frames, clipFrames) = Encoder.Encode(features, Lanes);
        using (frames)
        {
            int[] all = Centroids.Assign(frames);
            int offset = 0;
            for (int k = 0; k < owners.Count; k++)
            {
                codes[owners[k]] = all[offset..(offset + clipFrames[k])];
                offset += clipFrames[k];
            }
        }
    }

    /// <summary>The streaming plan of a clip of <paramref name="samples"/> 16 kHz samples, walked piece by piece.</summary>
    internal StreamingFeaturePlan.Walk Walk(long samples) => new(samples, Config.LfrM, Config.LfrN);

    public void Dispose()
    {
        Encoder.Dispose();
        Weights.Dispose();
        Centroids.Dispose();
    }
}
