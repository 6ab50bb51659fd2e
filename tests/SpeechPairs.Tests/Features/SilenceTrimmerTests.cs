using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Tests.Features;

/// <summary>
/// librosa effects.trim(top_db=20, frame_length=512, hop_length=128) plus the reference's keep-left/right rule,
/// on signals whose answer follows by hand from librosa's definition: centred 512-sample RMS frames every 128
/// samples (zero padded), voiced when 20·log10(rms / max rms) > −20, i.e. when a frame overlapping a
/// constant-level burst of the loudest level covers more than 512/100 = 5.12 of its samples.
/// </summary>
public sealed class SilenceTrimmerTests
{
    private static float[] Burst(int length, int from, int to, float level = 0.5f)
    {
        var y = new float[length];
        for (int i = from; i < to; i++) y[i] = (i & 1) == 0 ? level : -level;
        return y;
    }

    [SkippableFact]
    public void VoicedIntervalFollowsTheRmsFrames()
    {
        // Burst [4000, 8000): first frame with ≥ 6 samples inside is f = 30 (covers 3584..4096), last is
        // f = 64 (covers 7936..8448); librosa returns [30·128, 65·128).
        Assert.Equal((3840, 8320), SilenceTrimmer.VoicedInterval(Burst(16000, 4000, 8000)));
    }

    [SkippableFact]
    public void QuietButNotSilentFramesCountRelativeToTheLoudest()
    {
        // A −26 dB tail (level 0.025 next to 0.5) stays below the −20 dB threshold; a −14 dB one does not.
        var y = Burst(16000, 4000, 8000);
        for (int i = 8000; i < 12000; i++) y[i] = 0.025f;
        Assert.Equal((3840, 8320), SilenceTrimmer.VoicedInterval(y));
        for (int i = 8000; i < 12000; i++) y[i] = 0.1f;
        Assert.Equal(3840, SilenceTrimmer.VoicedInterval(y).Start);
        // At 0.2 of the loudest level a frame needs > 128 tail samples: the last is f = 94 (11776..12288).
        Assert.Equal(12160, SilenceTrimmer.VoicedInterval(y).End);
    }

    [SkippableFact]
    public void TrimKeepsFiftyMillisecondsBeforeAndPadsToWholeUnits()
    {
        var y = Burst(16000, 4000, 8000);
        var trimmed = SilenceTrimmer.Trim(y, 16000);
        // ceil((8320 − 3840) / 240) = 19 units; 19·240 + 0.27·16000 = 8880 samples from 3840 − 800 = 3040.
        Assert.Equal(8880, trimmed.Length);
        Assert.Equal(y.AsSpan(3040, 8880).ToArray(), trimmed);
        Assert.Equal(0f, trimmed[959]);
        Assert.Equal(0.5f, trimmed[960]);
    }

    [SkippableFact]
    public void TrimPadsOnTheLeftWhenVoiceStartsEarly()
    {
        var y = Burst(16000, 0, 2000);
        var (start, end) = SilenceTrimmer.VoicedInterval(y);
        Assert.Equal(0, start);
        Assert.Equal(2304, end); // f = 17 covers 1920..2432
        var trimmed = SilenceTrimmer.Trim(y, 16000);
        // ceil(2304 / 240) = 10 units → 2400 + 4320 = 6720 samples: 800 zeros, then y from 0.
        Assert.Equal(6720, trimmed.Length);
        Assert.All(trimmed[..800], v => Assert.Equal(0f, v));
        Assert.Equal(y.AsSpan(0, 5920).ToArray(), trimmed[800..]);
    }

    [SkippableFact]
    public void TrimPadsOnTheRightWhenTheClipEndsEarly()
    {
        var y = Burst(6000, 3000, 6000);
        var trimmed = SilenceTrimmer.Trim(y, 16000);
        var (start, end) = SilenceTrimmer.VoicedInterval(y);
        Assert.Equal((2816, 6000), (start, end)); // f = 22 covers 2560..3072; the end is capped at the clip length
        // ceil(3184 / 240) = 14 units → 3360 + 4320 = 7680 samples from 2016; only 3984 exist, the rest is zeros.
        Assert.Equal(7680, trimmed.Length);
        Assert.Equal(y.AsSpan(2016).ToArray(), trimmed[..3984]);
        Assert.All(trimmed[3984..], v => Assert.Equal(0f, v));
    }

    [SkippableFact]
    public void DigitalSilenceIsAllVoicedAsInLibrosa()
    {
        // With a loudest RMS of 0, librosa's dB values are all 10·log10(amin) − 10·log10(amin) = 0 > −20:
        // every frame counts as voiced, so nothing is trimmed and the padding rule still applies.
        Assert.Equal((0, 16000), SilenceTrimmer.VoicedInterval(new float[16000]));
        var trimmed = SilenceTrimmer.Trim(new float[16000], 16000);
        Assert.Equal(67 * 240 + 4320, trimmed.Length);
        Assert.All(trimmed, v => Assert.Equal(0f, v));
    }
}
