using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Parity;

namespace SpeechPairs.Tests.Parity;

/// <summary>The code-by-code comparison and its near-tie rule, on small hand-made clips.</summary>
public sealed class ParityComparerTests
{
    private static readonly ParityCandidate Clip = new(new ClipPair("a/b", "a/b.wav", "a/b.lab", "/x/a/b.wav", "/x/a/b.lab"), 1.0);

    private static string Merge(int[] vq02, int[] vq06)
    {
        var tokens = new List<int>();
        for (int i = 0, j = 0; i + 1 < vq02.Length && j + 2 < vq06.Length; i += 2, j += 3)
            tokens.AddRange([vq02[i], vq02[i + 1], vq06[j] + 1024, vq06[j + 1] + 1024, vq06[j + 2] + 1024]);
        return string.Concat(tokens.Select(t => $"<audio_{t}>"));
    }

    /// <summary>A reference clip whose frame 1 has distances 10 and 10·(1 + gap) to centroids 7 and 8; other frames are clear.</summary>
    private static ReferenceClip Reference(int[] vq02, int[] vq06, double frame1Gap = 0.5) => new(
        Clip.Pair.Id, Clip.Pair.RelWav, vq02, vq06, Merge(vq02, vq06),
        vq02.Select((code, i) => i == 1 ? new[] { 10.0, 10.0 / (1 - frame1Gap) } : new[] { 1.0, 2.0 }).ToList(),
        vq02.Select((code, i) => i == 1 ? new long[] { 7, 8 } : new long[] { code, (code + 1) % 1024 }).ToList(),
        null);

    private static OurClip Ours(int[] vq02, int[] vq06, string? tokens = null) => new(new ClipTokens(vq02, vq06, tokens ?? Merge(vq02, vq06)), null);

    [SkippableFact]
    public void Equal_codes_and_strings_are_equal()
    {
        var comparison = ParityComparer.Compare(Clip, Reference([1, 7, 3, 4], [5, 6, 7, 8, 9, 10]), Ours([1, 7, 3, 4], [5, 6, 7, 8, 9, 10]));

        Assert.Equal(ClipParity.Equal, comparison.Clip.Status);
        Assert.Empty(comparison.Differences);
        Assert.Equal((4L, 4L, 6L, 6L), (comparison.Vq02.Compared, comparison.Vq02.Equal, comparison.Vq06.Compared, comparison.Vq06.Equal));
    }

    [SkippableTheory]
    [InlineData(0.9e-4, 8, true)]    // runner-up inside the margin: a near-tie
    [InlineData(1.1e-4, 8, false)]   // runner-up just outside the margin
    [InlineData(0.5, 8, false)]      // runner-up, wide margin
    [InlineData(0.9e-4, 9, false)]   // inside the margin, but a third centroid
    public void A_vq02_difference_is_a_near_tie_only_for_the_runner_up_inside_the_margin(double gap, int ours, bool nearTie)
    {
        var comparison = ParityComparer.Compare(Clip, Reference([1, 7, 3, 4], [5, 6, 7, 8, 9, 10], gap), Ours([1, ours, 3, 4], [5, 6, 7, 8, 9, 10]));

        var difference = Assert.Single(comparison.Differences);
        Assert.Equal((ParityStream.Vq02, 1, 7, ours, 8), (difference.Stream, difference.Frame, difference.Reference!.Value, difference.Ours!.Value, difference.RunnerUp!.Value));
        Assert.Equal(gap, difference.RelativeMargin!.Value, 9);
        Assert.Equal(nearTie, difference.NearTie);
        Assert.Equal(nearTie ? ClipParity.NearTieOnly : ClipParity.Differs, comparison.Clip.Status);
        Assert.Equal(3, comparison.Vq02.Equal);
    }

    [SkippableFact]
    public void Without_recorded_distances_no_difference_is_a_near_tie()
    {
        var reference = Reference([1, 7, 3, 4], [5, 6, 7, 8, 9, 10], 1e-6) with { Vq02Top2 = null, Vq02Top2Index = null };
        var difference = Assert.Single(ParityComparer.Compare(Clip, reference, Ours([1, 8, 3, 4], [5, 6, 7, 8, 9, 10])).Differences);

        Assert.Null(difference.RelativeMargin);
        Assert.False(difference.NearTie);
    }

    [SkippableFact]
    public void A_vq06_difference_is_never_a_near_tie()
    {
        var comparison = ParityComparer.Compare(Clip, Reference([1, 7, 3, 4], [5, 6, 7, 8, 9, 10]), Ours([1, 7, 3, 4], [5, 6, 7, 8, 99, 10]));

        var difference = Assert.Single(comparison.Differences);
        Assert.Equal((ParityStream.Vq06, 4, 9, 99, false), (difference.Stream, difference.Frame, difference.Reference!.Value, difference.Ours!.Value, difference.NearTie));
        Assert.Equal(ClipParity.Differs, comparison.Clip.Status);
    }

    [SkippableFact]
    public void Codes_past_the_end_of_the_shorter_list_differ()
    {
        var comparison = ParityComparer.Compare(Clip, Reference([1, 7, 3, 4], [5, 6, 7, 8, 9, 10]), Ours([1, 7, 3], [5, 6, 7, 8, 9, 10, 11]));

        Assert.Equal(
            [(ParityStream.Vq02, 3, (int?)4, (int?)null), (ParityStream.Vq06, 6, null, 11)],
            comparison.Differences.Select(d => (d.Stream, d.Frame, d.Reference, d.Ours)));
        Assert.All(comparison.Differences, d => Assert.False(d.NearTie));
        Assert.Equal((4L, 3L, 7L, 6L), (comparison.Vq02.Compared, comparison.Vq02.Equal, comparison.Vq06.Compared, comparison.Vq06.Equal));
    }

    [SkippableFact]
    public void Equal_codes_with_different_strings_are_a_merge_difference()
    {
        var ours = Ours([1, 7, 3, 4], [5, 6, 7, 8, 9, 10], "<audio_1><audio_7><audio_1029><audio_1030><audio_1031>");
        var difference = Assert.Single(ParityComparer.Compare(Clip, Reference([1, 7, 3, 4], [5, 6, 7, 8, 9, 10]), ours).Differences);

        Assert.Equal((ParityStream.Tokens, 5, false), (difference.Stream, difference.Frame, difference.NearTie));
    }

    [SkippableFact]
    public void Failures_on_either_side()
    {
        var failed = new ReferenceClip(Clip.Pair.Id, null, null, null, null, null, null, "RuntimeError: max(): empty");
        var ourFailure = new OurClip(null, "wav: no samples");

        Assert.Equal(ClipParity.FailedBoth, ParityComparer.Compare(Clip, failed, ourFailure).Clip.Status);
        Assert.Equal(ClipParity.ReferenceFailed, ParityComparer.Compare(Clip, failed, Ours([1, 2], [3, 4, 5])).Clip.Status);
        Assert.Equal(ClipParity.OursFailed, ParityComparer.Compare(Clip, Reference([1, 7], [3, 4, 5]), ourFailure).Clip.Status);
        Assert.Equal("RuntimeError: max(): empty", ParityComparer.Compare(Clip, failed, ourFailure).Clip.ReferenceError);
    }

    [SkippableTheory]
    [InlineData(10.0, 10.001, 0.001 / 10.001)]
    [InlineData(0.0, 3.0, 1.0)]
    [InlineData(0.0, 0.0, 0.0)]
    public void The_relative_margin_is_the_gap_over_the_runner_up_distance(double nearest, double second, double expected) =>
        Assert.Equal(expected, ParityComparer.RelativeMargin(nearest, second), 12);
}
