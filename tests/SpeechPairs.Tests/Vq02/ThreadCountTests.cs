using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>Batch invariance must also hold with 2 torch threads, and thread counts may move only near-tie codes.</summary>
[Collection(TorchThreadsCollection.Name)]
public sealed class ThreadCountTests(ITestOutputHelper output) : IClassFixture<FixtureModels>
{
    private static T WithThreads<T>(int threads, Func<T> body)
    {
        int before = get_num_threads();
        set_num_threads(threads);
        try
        {
            return body();
        }
        finally
        {
            set_num_threads(before);
        }
    }

    [SkippableFact]
    public void BatchInvarianceHoldsOnTwoThreads()
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        using var weights = SanmEncoderWeights.Load(layout.ModelPt, ParaformerConfig.Load(layout.ConfigYaml), CPU);
        var encoder = new SanmStreamingEncoder(weights, CPU);
        var clips = GoldenFixtures.TokenizedCaseNames.Select(EncoderParityTests.ReferenceFeatures).ToArray();
        WithThreads(2, () =>
        {
            var (together, counts) = encoder.Encode(clips);
            using (together)
            {
                var all = together.ToFloatArray();
                int offset = 0;
                for (int k = 0; k < clips.Length; k++)
                {
                    var (alone, _) = encoder.Encode([clips[k]]);
                    using (alone) Assert.Equal(alone.ToFloatArray(), all[offset..(offset + counts[k] * encoder.OutputSize)]);
                    offset += counts[k] * encoder.OutputSize;
                }
            }
            return 0;
        });
    }

    [SkippableFact]
    public void OneAndTwoThreadsAgreeExceptAtNearTies()
    {
        var tokenizer = new FixtureModels().Models.CreateTokenizer();
        foreach (string name in GoldenFixtures.TokenizedCaseNames)
        {
            var clip = WavReader.Read(GoldenFixtures.File(name, "input.wav"));
            var one = WithThreads(1, () => tokenizer.Tokenize(clip));
            var two = WithThreads(2, () => tokenizer.Tokenize(clip));
            int vq02 = one.Vq02.Zip(two.Vq02).Count(p => p.First != p.Second);
            int vq06 = one.Vq06.Zip(two.Vq06).Count(p => p.First != p.Second);
            // Every code that moved must be one the reference itself had at a near tie.
            NearTies.CountAllowedVq02Differences(name, two.Vq02);
            NearTies.CountAllowedVq06Differences(name, two.Vq06);
            output.WriteLine($"{name}: 1 vs 2 threads: {vq02} vq02 and {vq06} vq06 codes differ");
        }
    }
}
