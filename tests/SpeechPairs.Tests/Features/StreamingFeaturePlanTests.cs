using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Features;

namespace SpeechPairs.Tests.Features;

public sealed class StreamingFeaturePlanTests
{
    [SkippableFact]
    public void LfrFrameCountsMatchTheReferenceLengthSweep()
    {
        // length_sweep.json: upstream get_vq02_code on noise of every length 0..19200 (model independent).
        var columns = GoldenFixtures.Json("length_sweep.json").GetProperty("columns");
        var lengths = columns.GetProperty("n").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var counts = columns.GetProperty("n_vq02").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var warnings = columns.GetProperty("warning").EnumerateArray().Select(e => e.ValueKind == System.Text.Json.JsonValueKind.Null ? null : e.GetString()).ToArray();
        Assert.Equal(9841, lengths.Length);

        var mismatches = new List<string>();
        for (int i = 0; i < lengths.Length; i++)
        {
            var plan = StreamingFeaturePlan.For(lengths[i]);
            string? warning = plan.SkippedTailSamples is { } s ? $"Warning!!!, skip {s} samples" : null;
            if (plan.LfrFrameCount != counts[i] || warning != warnings[i])
                mismatches.Add($"n={lengths[i]}: {plan.LfrFrameCount} frames / '{warning}' vs reference {counts[i]} / '{warnings[i]}'");
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(20)));
    }

    [SkippableTheory]
    [MemberData(nameof(GoldenFixtures.TokenizedCases), MemberType = typeof(GoldenFixtures))]
    public void PiecesMatchTheReferencePerChunkFrameCounts(string name)
    {
        var meta = GoldenFixtures.Meta(name);
        long samples = meta.GetProperty("lengths").GetProperty("normed").GetInt64();
        var expected = meta.GetProperty("vq02_stream").GetProperty("chunks").EnumerateArray()
            .Where(c => c.TryGetProperty("lfr_frames", out var f) && f.GetInt32() > 0)
            .Select(c => c.GetProperty("lfr_frames").GetInt32()).ToArray();

        var plan = StreamingFeaturePlan.For(samples);

        Assert.Equal(expected, plan.Pieces.Select(p => p.Length).ToArray());
        Assert.Equal(meta.GetProperty("lengths").GetProperty("encoder_feats").GetInt32(), plan.LfrFrameCount);
    }
}
