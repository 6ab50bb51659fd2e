using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Bench;

/// <summary>
/// Floating-point operations of the reference's own schedule for one clip: every piece's overlap + new rows
/// through every layer (the 5 repeated rows counted, as the reference computes them), attention against the
/// cached and own keys, the FSMN convolution. Multiply-adds count as 2.
/// </summary>
public static class EncoderFlops
{
    public static double Count(Vq02Features clip, int blocks, int width, int ffn, int kernel, int inputSize)
    {
        double total = 0;
        int piece = 0, earlierFrames = 0;
        foreach (int n in clip.PieceLengths)
        {
            int rows = 5 + n;
            // Cached key rows: none for the first piece, all of the first piece's for the second, then at most 16.
            int cached = piece == 0 ? 0 : piece == 1 ? earlierFrames : Math.Min(16, earlierFrames);
            int keys = cached + rows;
            for (int layer = 0; layer < blocks; layer++)
            {
                int inSize = layer == 0 ? inputSize : width;
                total += 2.0 * rows * inSize * 3 * width;   // q, k, v
                total += 2.0 * 2 * rows * keys * width;     // scores and context
                total += 2.0 * rows * width * kernel;       // FSMN
                total += 2.0 * rows * width * width;        // output projection
                total += 2.0 * 2 * rows * width * ffn;      // feed-forward
            }
            earlierFrames += n;
            piece++;
        }
        return total;
    }
}
