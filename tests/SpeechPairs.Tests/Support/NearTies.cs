namespace SpeechPairs.Tests.Support;

/// <summary>
/// Token comparisons that tolerate exactly one kind of difference: at a frame where the reference's two best
/// candidates are within a tiny gap, SpeechPairs may pick the reference's runner-up. Anything else fails.
/// </summary>
public static class NearTies
{
    public const double Vq02Gap = 1e-3;  // centroid distances (issue: "differ by < 1e-3")
    public const double Vq06Gap = 1e-4;  // quantizer scores

    /// <summary>Asserts vq02 codes equal the fixture's except allowed near-tie runner-up picks; returns how many.</summary>
    public static int CountAllowedVq02Differences(string name, int[] actual)
        => Count(name, actual, "vq02.json", "vq02_dist_top2.npy", "vq02_top2_idx.npy", Vq02Gap, offset: 0);

    /// <summary>The same for vq06 codes (0..4095).</summary>
    public static int CountAllowedVq06Differences(string name, int[] actual)
        => Count(name, actual, "vq06.json", "vq06_score_top2.npy", "vq06_top2_idx.npy", Vq06Gap, offset: 0);

    private static int Count(string name, int[] actual, string codesFile, string gapFile, string indexFile, double gap, int offset)
    {
        var expected = GoldenFixtures.IntList(name, codesFile);
        Assert.True(expected.Length == actual.Length, $"{name} {codesFile}: {actual.Length} codes, expected {expected.Length}");
        var top2 = GoldenFixtures.Npy(name, gapFile).ToFloat32();
        var top2Index = GoldenFixtures.Npy(name, indexFile).ToInt64();
        int allowed = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] == actual[i]) continue;
            double g = Math.Abs(top2[2 * i + 1] - top2[2 * i]);
            bool runnerUp = top2Index[2 * i + 1] + offset == actual[i];
            Assert.True(runnerUp && g < gap,
                $"{name} {codesFile}[{i}]: got {actual[i]}, reference {expected[i]} (runner-up {top2Index[2 * i + 1]}, gap {g:G3})");
            allowed++;
        }
        return allowed;
    }
}
