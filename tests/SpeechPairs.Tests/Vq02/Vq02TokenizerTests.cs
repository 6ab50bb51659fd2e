using SpeechPairs.Tests.Support;

namespace SpeechPairs.Tests.Vq02;

/// <summary>The vq02 module alone: the reference's normalised 16 kHz audio in, a batch at a time, its vq02 codes out.</summary>
public sealed class Vq02TokenizerTests : IClassFixture<FixtureModels>
{
    private readonly FixtureModels _models = new();

    [SkippableFact]
    public void ABatchOfTheReferencesAudioGivesItsCodes()
    {
        var names = GoldenFixtures.TokenizedCaseNames.ToArray();
        var codes = _models.Models.Vq02.Quantize(names.Select(n => GoldenFixtures.Npy(n, "normed.npy").ToFloat32()).ToArray(), dither: 0f);
        for (int i = 0; i < names.Length; i++)
        {
            Assert.True(codes.Errors[i] is null, codes.Errors[i]);
            Assert.Equal(0, NearTies.CountAllowedVq02Differences(names[i], codes.Codes[i]!));
        }
    }

    [SkippableFact]
    public void AClipTooShortForAFrameGetsNoCodesAndTheOthersTheirOwn()
    {
        // Fewer samples than one fbank window, as the reference's 0.02 s case: no codes, no error, and no effect on the batch.
        const string name = "p01_cmn_48k_stereo_s16";
        var codes = _models.Models.Vq02.Quantize([new float[100], GoldenFixtures.Npy(name, "normed.npy").ToFloat32()], dither: 0f);
        Assert.All(codes.Errors, Assert.Null);
        Assert.Empty(codes.Codes[0]!);
        Assert.Equal(GoldenFixtures.IntList(name, "vq02.json"), codes.Codes[1]);
    }
}
