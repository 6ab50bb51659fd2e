using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>Running attention a slice of pieces at a time (what bounds a long clip's memory) changes no bit.</summary>
public sealed class EncoderMemoryTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    public void Attention_in_slices_of_pieces_equals_one_call_bit_for_bit(int maxGroupPieces)
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        var weights = SanmEncoderWeights.Load(layout.ModelPt, ParaformerConfig.Load(layout.ConfigYaml), CPU);
        var random = new Random(21);
        var clips = new[] { 150, 3, 77 }.Select(pieces =>
        {
            var lengths = Enumerable.Range(0, pieces).Select(p => p == pieces - 1 ? 1 + random.Next(4) : 4).ToArray();
            var data = new float[lengths.Sum() * 560];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 4 - 2);
            return new Vq02Features(data, 560, lengths, null);
        }).ToArray();

        var (whole, wholeCounts) = new SanmStreamingEncoder(weights, CPU).Encode(clips);
        var (sliced, slicedCounts) = new SanmStreamingEncoder(weights, CPU) { MaxGroupPieces = maxGroupPieces }.Encode(clips);
        using (whole)
        using (sliced)
        {
            Assert.Equal(wholeCounts, slicedCounts);
            Assert.True(whole.ToFloatArray().SequenceEqual(sliced.ToFloatArray()), $"slices of {maxGroupPieces} pieces changed the frames");
        }
    }
}
