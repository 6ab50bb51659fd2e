using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// How many tokens a clip gets, from its WAV header alone (frames and rate), as the tokenizer computes them:
/// the clip is resampled to 16 kHz (n16 = ceil(frames·16000/sr)); vq02 has one code per LFR frame of the reference's
/// streaming front end (<see cref="StreamingFeaturePlan"/>); vq06 splits n16 into 480000-sample pieces, drops a piece
/// under 480 samples and gives each piece ceil(floor(len/160)/4) codes (whisper log-mel frames, last dropped, then the
/// S3Tokenizer v1 stem's two stride-2 convolutions: 100 Hz to 25 Hz); the merged string has
/// min(floor(vq02/2), floor(vq06/3)) groups of five tokens. With <c>--trim</c> the trimmed clip is shorter, so a clip
/// gets at most this many.
/// </summary>
public static class ExpectedTokenCount
{
    public const int TokenizerRate = 16000;
    private const int MelHop = 160;
    private const int Vq06Downsampling = 4;

    /// <summary>Samples after resampling to 16 kHz: torchaudio's output length ceil(n·16000/sr).</summary>
    public static long ResampledLength(long frames, int sampleRate) =>
        sampleRate == TokenizerRate ? frames : (frames * TokenizerRate + sampleRate - 1) / sampleRate;

    /// <summary>vq02 codes for a 16 kHz clip; null for the lengths on which the reference front end itself fails.</summary>
    public static int? Vq02Codes(long samples16k)
    {
        try
        {
            return StreamingFeaturePlan.For(samples16k).LfrFrameCount;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>vq06 codes for a 16 kHz clip.</summary>
    public static long Vq06Codes(long samples16k)
    {
        long codes = 0;
        for (long start = 0; start < samples16k; start += Vq06Chunks.ChunkSamples)
        {
            var length = Math.Min(Vq06Chunks.ChunkSamples, samples16k - start);
            if (length >= Vq06Chunks.MinChunkSamples)
                codes += (length / MelHop + Vq06Downsampling - 1) / Vq06Downsampling;
        }

        return codes;
    }

    /// <summary>Groups of five tokens the merged string has for a clip of <paramref name="frames"/> at <paramref name="sampleRate"/>.</summary>
    public static long? Groups(long frames, int sampleRate)
    {
        var samples = ResampledLength(frames, sampleRate);
        return Vq02Codes(samples) is { } vq02 ? Math.Min(vq02 / TokenMerger.Vq02PerGroup, Vq06Codes(samples) / TokenMerger.Vq06PerGroup) : null;
    }

    /// <summary>The nominal token rate: vq02 at 16000/960 Hz (2 per group) and vq06 at 25 Hz (3 per group) meet at 25/3 groups per second.</summary>
    public const double NominalTokensPerSecond = 25.0 / 3 * TokenMerger.TokensPerGroup;
}
