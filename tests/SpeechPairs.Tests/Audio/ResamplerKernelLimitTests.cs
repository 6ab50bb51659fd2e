using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Audio;

/// <summary>Rates whose torchaudio-equal kernel would be huge are refused at once; real rates are not.</summary>
public sealed class ResamplerKernelLimitTests
{
    public static TheoryData<int> RealRates() =>
    [
        8000, 11025, 12000, 16000, 22050, 24000, 32000, 37800, 44056, 44100, 47250, 47952, 48000, 50000,
        88200, 96000, 176400, 192000, 352800, 384000, 705600, 768000,
    ];

    [SkippableTheory]
    [MemberData(nameof(RealRates))]
    public void Real_rates_are_within_the_limit(int rate)
    {
        Assert.Null(SincResampler.RefusalReason(rate, 16000));
        Assert.InRange(SincResampler.KernelTaps(rate, 16000), 1, SincResampler.MaxKernelTaps);
    }

    [SkippableFact]
    public void Kernel_taps_follow_torchaudio_after_the_gcd()
    {
        // 44100:16000 is 441:160, width ceil(6·441/158.4) = 17: 160 phases × (441 + 34) taps.
        Assert.Equal(160 * 475, SincResampler.KernelTaps(44100, 16000));
        // 767999 and 16000 are coprime: width ceil(6·767999/15840) = 291.
        Assert.Equal(16000L * (767999 + 582), SincResampler.KernelTaps(767999, 16000));
    }

    [SkippableTheory]
    [InlineData(767999)]
    [InlineData(96001)]
    [InlineData(32001)]
    public void A_rate_with_a_huge_kernel_is_refused_by_the_resampler(int rate)
    {
        var e = Assert.Throws<ArgumentException>(() => new SincResampler(rate, 16000));
        Assert.StartsWith($"sample rate {rate} Hz is not supported: resampling it to 16000 Hz ({rate}:16000 after their gcd)", e.Message);
        Assert.Contains($"more than the {SincResampler.MaxKernelTaps} allowed", e.Message);
    }

    [SkippableFact]
    public void The_worker_refuses_it_from_the_header_naming_the_file_and_the_rate()
    {
        using var temp = new TempDir();
        var path = temp.Combine("odd rate.wav");
        File.WriteAllBytes(path, TestWavFile.Pcm16(767999, 1, 1, 2, 3, 4));
        var reader = new TokenizerWavReader();
        foreach (Action read in new Action[] { () => reader.ReadHeader(path), () => reader.Read(path) })
        {
            var e = Assert.Throws<AudioFormatException>(read);
            Assert.Equal(path, e.Path);
            Assert.StartsWith("sample rate 767999 Hz is not supported", e.Reason);
        }
        File.WriteAllBytes(path, TestWavFile.Pcm16(44100, 1, 1, 2, 3, 4));
        Assert.Equal(44100, reader.ReadHeader(path).SampleRate);
    }
}
