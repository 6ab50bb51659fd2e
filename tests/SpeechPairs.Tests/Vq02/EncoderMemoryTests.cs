using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using static TorchSharp.torch;

namespace SpeechPairs.Tests.Vq02;

/// <summary>
/// Running the encoder in windows of layer rows (what bounds a long clip's memory), with each layer's cache carried
/// from one window of a clip to the next, changes no bit.
/// </summary>
public sealed class EncoderMemoryTests
{
    [SkippableTheory]
    [InlineData(9, 1)]      // one 4-frame piece per window: every piece after the first carries its cache in
    [InlineData(50, 1)]     // a few pieces per window, windows of one clip and groups of short clips
    [InlineData(700, 1)]    // the long clip in two windows, the short ones grouped
    [InlineData(2048, 1)]   // the long clip whole
    [InlineData(9, 3)]      // three lanes: a long clip's windows run as a wavefront, layer by layer
    [InlineData(50, 2)]
    [InlineData(700, 4)]
    public void Windows_of_rows_in_lanes_equal_one_pass_bit_for_bit(int maxRows, int lanes)
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        var weights = SanmEncoderWeights.Load(layout.ModelPt, ParaformerConfig.Load(layout.ConfigYaml), CPU);
        var random = new Random(21);
        var clips = new[] { 150, 3, 1, 77, 2 }.Select(pieces =>
        {
            var lengths = Enumerable.Range(0, pieces).Select(p => p == pieces - 1 ? 1 + random.Next(4) : 4).ToArray();
            var data = new float[lengths.Sum() * 560];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 4 - 2);
            return new Vq02Features(data, 560, lengths, null);
        }).ToArray();
        Assert.True(EncoderWindow.Split(clips, maxRows).Count() > (maxRows < 2048 ? 2 : 0));

        var (whole, wholeCounts) = new SanmStreamingEncoder(weights, CPU) { MaxRows = int.MaxValue }.Encode(clips);
        var (windowed, windowedCounts) = new SanmStreamingEncoder(weights, CPU) { MaxRows = maxRows }.Encode(clips, lanes);
        using (whole)
        using (windowed)
        {
            Assert.Equal(wholeCounts, windowedCounts);
            Assert.Equal(whole.shape, windowed.shape);
            Assert.True(whole.ToFloatArray().SequenceEqual(windowed.ToFloatArray()), $"windows of {maxRows} rows in {lanes} lane(s) changed the frames");
        }
    }

    [SkippableFact]
    public void A_long_clip_gets_windows_of_its_own_and_short_clips_are_grouped_in_order()
    {
        Vq02Features Clip(int pieces) => new(new float[pieces * 4 * 560], 560, Enumerable.Repeat(4, pieces).ToArray(), null);
        var (a, b, c, d) = (Clip(2), Clip(3), Clip(30), Clip(1));
        var windows = EncoderWindow.Split([a, b, c, d], 100).ToList();   // 9 rows per piece: c's 270 rows need three windows

        Assert.Equal([a, b], windows[0].Clips);
        Assert.False(windows[0].IsPartial);
        Assert.Equal([(0, 10), (10, 10), (20, 10)], windows.Skip(1).Take(3).Select(w => (w.FirstPiece, w.PieceCount)));
        Assert.All(windows.Skip(1).Take(3), w => Assert.Same(c, Assert.Single(w.Clips)));
        Assert.Equal([d], windows[4].Clips);
        Assert.Equal(5, windows.Count);
    }

    [SkippableFact]
    public void In_two_lanes_a_long_clip_gets_an_even_number_of_windows_of_nearly_equal_rows()
    {
        var clip = new Vq02Features(new float[250 * 4 * 560], 560, Enumerable.Repeat(4, 250).ToArray(), null); // 60 s: 2 250 rows
        var oneLane = EncoderWindow.Split([clip], 1024).Select(w => w.PieceCount).ToList();
        var twoLanes = EncoderWindow.Split([clip], 1024, lanes: 2).Select(w => w.PieceCount).ToList();

        Assert.Equal([83, 84, 83], oneLane);
        Assert.Equal([62, 63, 62, 63], twoLanes);
        Assert.Equal(Enumerable.Range(0, 4).Select(k => twoLanes.Take(k).Sum()), EncoderWindow.Split([clip], 1024, 2).Select(w => w.FirstPiece));
    }

    [SkippableTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void Lanes_taking_the_windows_of_short_clips_in_turn_finish_nearly_together(int lanes)
    {
        // A batch like the job's: 120 s of 2–9 s clips (about 75–335 rows each, never more than one window).
        var random = new Random(5);
        var clips = new List<Vq02Features>();
        for (int seconds = 0; seconds < 120;)
        {
            int length = 2 + random.Next(8);
            int pieces = length * 100 / 6 / 4;
            clips.Add(new Vq02Features(new float[pieces * 4 * 560], 560, Enumerable.Repeat(4, pieces).ToArray(), null));
            seconds += length;
        }
        var windows = EncoderWindow.Split(clips, 1024, lanes).ToList();
        var rows = windows.Select(w => w.Clips.Sum(c => c.PieceLengths.Sum(EncoderWindow.RowsOf))).ToList();

        // Each window goes to the lane that is free first, as EncoderLanes hands them out.
        var busyUntil = new long[lanes];
        foreach (int r in rows) busyUntil[Array.IndexOf(busyUntil, busyUntil.Min())] += r;
        double even = rows.Sum() / (double)lanes;

        Assert.Equal(clips, windows.SelectMany(w => w.Clips));
        Assert.All(windows, w => Assert.False(w.IsPartial));
        Assert.All(rows, r => Assert.InRange(r, 1, 1024));
        // Filling every window to 1 024 rows, as before, left the last lane 418 (2 lanes) and 312 (3 lanes) rows behind.
        Assert.True(busyUntil.Max() - even <= EncoderWindow.TailRows / 2, $"windows of {string.Join(", ", rows)} rows: the last lane finishes at {busyUntil.Max()} rows, an even share is {even:0}");
    }

    [SkippableFact]
    public void A_failing_window_fails_the_batch_with_its_own_error_and_stops_the_other_lanes()
    {
        var layout = new BundleLayout(GoldenFixtures.BundleDir);
        var weights = SanmEncoderWeights.Load(layout.ModelPt, ParaformerConfig.Load(layout.ConfigYaml), CPU);
        var good = new Vq02Features(new float[40 * 4 * 560], 560, Enumerable.Repeat(4, 40).ToArray(), null);
        var bad = new Vq02Features(new float[4 * 100], 100, [4], null);
        var encoder = new SanmStreamingEncoder(weights, CPU) { MaxRows = 50 };
        var e = Assert.Throws<ArgumentException>(() => encoder.Encode([good, bad, good], lanes: 3));
        Assert.Contains("100 wide", e.Message);
    }
}
