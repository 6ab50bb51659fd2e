namespace SpeechPairs.Tests.Support;

/// <summary>Array comparisons with a stated tolerance and a useful failure message.</summary>
public static class Compare
{
    /// <summary>Asserts equal lengths and max |a − b| ≤ <paramref name="tolerance"/>; returns the max difference.</summary>
    public static double MaxAbs(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        double max = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs((double)expected[i] - actual[i]);
            if (d > max || double.IsNaN(d))
            {
                max = d;
                at = i;
            }
        }
        Assert.True(max <= tolerance, $"{what}: max |Δ| {max:G4} at {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)}) exceeds {tolerance:G3}");
        return max;
    }

    /// <summary>Asserts equal lengths and every value bit for bit; the message counts the values that differ.</summary>
    public static void SameBits(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        int differing = Enumerable.Range(0, expected.Length).Count(i => BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]));
        Assert.True(differing == 0, $"{what}: {differing} of {expected.Length} values differ");
    }
}
