namespace SpeechPairs.Tokenizer.Features;

/// <summary>The reference's vq06 split: 30 s pieces of 16 kHz audio; a piece under 480 samples is dropped.</summary>
public static class Vq06Chunks
{
    public const int ChunkSamples = 30 * 16000;
    public const int MinChunkSamples = 480;

    public static IReadOnlyList<(int Start, int Length)> Split(int samples)
    {
        var chunks = new List<(int, int)>();
        for (int start = 0; start < samples; start += ChunkSamples)
        {
            int length = Math.Min(ChunkSamples, samples - start);
            if (length >= MinChunkSamples) chunks.Add((start, length));
        }
        return chunks;
    }
}
