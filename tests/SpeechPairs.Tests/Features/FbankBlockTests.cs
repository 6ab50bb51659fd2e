using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tests.Features;

/// <summary>The fbank computed in blocks of frames (what bounds a long clip's memory) equals one block bit for bit.</summary>
public sealed class FbankBlockTests
{
    [SkippableTheory]
    [InlineData(0f, 64)]
    [InlineData(0f, 333)]
    [InlineData(1f, 100)]
    public void Blocks_of_frames_equal_one_block(float dither, int blockFrames)
    {
        var random = new Random(5);
        var samples = new float[16000 * 7 + 123];
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)((random.NextDouble() * 2 - 1) * 20000);
        int frames = KaldiFbank.FrameCount(samples.Length);
        Assert.True(frames > 2 * blockFrames);

        var whole = new KaldiFbank { BlockFrames = frames }.Compute(samples, frames, dither, 42);
        var blocked = new KaldiFbank { BlockFrames = blockFrames }.Compute(samples, frames, dither, 42);
        Assert.Equal(frames * 80, blocked.Length);
        Assert.True(whole.SequenceEqual(blocked), $"blocks of {blockFrames} frames changed the fbank");
    }
}
