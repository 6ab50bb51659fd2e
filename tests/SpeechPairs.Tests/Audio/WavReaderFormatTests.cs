using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Audio;
using static SpeechPairs.Tests.Support.TestWavFile;

namespace SpeechPairs.Tests.Audio;

/// <summary>Every supported layout decodes to the reference's scale and channel mean, bit for bit.</summary>
public sealed class WavReaderFormatTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<TestSampleFormat, bool, int, int> Layouts()
    {
        var data = new TheoryData<TestSampleFormat, bool, int, int>();
        foreach (var format in Enum.GetValues<TestSampleFormat>())
            foreach (bool extensible in new[] { false, true })
                foreach (int channels in new[] { 1, 2, 3, 6, 8 })
                    foreach (int rate in new[] { 8000, 48000 })
                        data.Add(format, extensible, channels, rate);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Layouts))]
    public void Decodes_every_layout_exactly(TestSampleFormat format, bool extensible, int channels, int sampleRate)
    {
        const int frames = 1000;
        double[] stored = StoredValues(format, frames * channels, seed: HashCode.Combine(format, extensible, channels, sampleRate));
        string path = _dir.Write("in.wav", Wav(FmtFor(format, channels, sampleRate, extensible), Encode(format, stored)));

        DecodedAudio audio = WavReader.Read(path);

        Assert.Equal(path, audio.Source);
        Assert.Equal(sampleRate, audio.SampleRate);
        Assert.Equal(channels, audio.Channels);
        AssertBitwiseEqual(ExpectedMono(format, stored, channels), audio.Samples);
    }

    [SkippableTheory]
    [MemberData(nameof(Layouts))]
    public void ReadInfo_describes_every_layout(TestSampleFormat format, bool extensible, int channels, int sampleRate)
    {
        const int frames = 480;
        string path = _dir.Write("in.wav", Wav(FmtFor(format, channels, sampleRate, extensible), Encode(format, StoredValues(format, frames * channels, 1))));

        WavInfo info = WavReader.ReadInfo(path);

        var expected = new WavInfo(sampleRate, channels, BitsOf(format),
            IsFloat(format) ? WavSampleEncoding.IeeeFloat : WavSampleEncoding.Pcm, frames);
        Assert.Equal(expected, info);
        Assert.Equal((double)frames / sampleRate, info.DurationSeconds);
    }

    [SkippableTheory]
    [InlineData(TestSampleFormat.UInt8, 0d, -1f)]
    [InlineData(TestSampleFormat.UInt8, 1d, -0.9921875f)]
    [InlineData(TestSampleFormat.UInt8, 128d, 0f)]
    [InlineData(TestSampleFormat.UInt8, 255d, 0.9921875f)]
    [InlineData(TestSampleFormat.Int16, -32768d, -1f)]
    [InlineData(TestSampleFormat.Int16, 1d, 3.0517578125e-05f)]
    [InlineData(TestSampleFormat.Int16, 32767d, 0.999969482421875f)]
    [InlineData(TestSampleFormat.Int24, -8388608d, -1f)]
    [InlineData(TestSampleFormat.Int24, 1d, 1.1920928955078125e-07f)]
    [InlineData(TestSampleFormat.Int24, 8388607d, 0.99999988079071044921875f)]
    [InlineData(TestSampleFormat.Int32, -2147483648d, -1f)]
    [InlineData(TestSampleFormat.Int32, 1d, 4.656612873077392578125e-10f)]
    [InlineData(TestSampleFormat.Int32, 2147483647d, 1f)] // int.MaxValue rounds to 2^31 as float, as in libsndfile
    [InlineData(TestSampleFormat.Float32, 1.25, 1.25f)] // floats above 1 are not clipped
    [InlineData(TestSampleFormat.Float32, -3.5, -3.5f)]
    [InlineData(TestSampleFormat.Float64, 0.1, 0.1f)]
    [InlineData(TestSampleFormat.Float64, 1e-50, 0f)]
    public void Known_values_scale_like_soundfile(TestSampleFormat format, double stored, float expected)
    {
        string path = _dir.Write("one.wav", Wav(FmtFor(format, 1, 16000, extensible: false), Encode(format, [stored])));

        Assert.Equal([expected], WavReader.Read(path).Samples);
    }

    [SkippableTheory]
    [InlineData(16384, -16384, 0f)]
    [InlineData(32767, 32767, 0.999969482421875f)]
    [InlineData(-32768, 32767, -1.52587890625e-05f)]
    [InlineData(-32768, -32768, -1f)]
    public void Stereo_int16_is_the_mean_of_the_scaled_channels(short left, short right, float expected)
    {
        string path = _dir.Write("st.wav", Pcm16(48000, 2, left, right));

        Assert.Equal([expected], WavReader.Read(path).Samples);
    }

    [SkippableFact]
    public void Mixdown_sums_float32_in_channel_order_then_divides()
    {
        // (1 + 2^-24) rounds back to 1 in float32, so ((1 + e) + e) / 3 = 1/3, while 1 + (e + e)
        // or a double-precision mean would give a different float.
        const float e = 1f / (1 << 24);
        string path = _dir.Write("order.wav", Float32(16000, 3, 1f, e, e));

        float mono = WavReader.Read(path).Samples.Single();

        Assert.Equal(1f / 3f, mono);
        Assert.NotEqual((1f + (e + e)) / 3f, mono);
        Assert.NotEqual((float)((1.0 + e + e) / 3.0), mono);
    }

    [SkippableFact]
    public void Single_channel_samples_are_unchanged()
    {
        float[] values = [0.5f, -0.25f, 1.75f, -0f, float.Epsilon, 3.0e38f];
        string path = _dir.Write("mono.wav", Float32(22050, 1, values));

        AssertBitwiseEqual(values, WavReader.Read(path).Samples);
    }

    [SkippableFact]
    public void Extensible_with_fewer_valid_bits_scales_by_the_container()
    {
        // 20 valid bits left-justified in a 24-bit container: libsndfile reads the container.
        double[] stored = [0x7FFFF0, -0x800000, 0x000010];
        string path = _dir.Write("v20.wav", Wav(FmtExtensible(1, 96000, 24, SubFormatPcm, validBits: 20), Encode(TestSampleFormat.Int24, stored)));

        AssertBitwiseEqual(ExpectedMono(TestSampleFormat.Int24, stored, 1), WavReader.Read(path).Samples);
    }

    [SkippableFact]
    public void Long_files_decode_across_read_blocks()
    {
        // 3 s of 8-channel 24-bit at 48 kHz is 3.4 MB: many read blocks, each ending mid-way through the pattern.
        const int channels = 8, frames = 3 * 48000;
        double[] stored = StoredValues(TestSampleFormat.Int24, frames * channels, seed: 7);
        string path = _dir.Write("long.wav", Wav(FmtExtensible(channels, 48000, 24, SubFormatPcm), Encode(TestSampleFormat.Int24, stored)));

        AssertBitwiseEqual(ExpectedMono(TestSampleFormat.Int24, stored, channels), WavReader.Read(path).Samples);
    }

    [SkippableFact]
    public void Read_allocates_little_beyond_the_mono_buffer()
    {
        // 10 s stereo int16 at 48 kHz: the mono result is 1.92 MB; an interleaved float copy would add 3.84 MB.
        const int frames = 480_000;
        string path = _dir.Write("alloc.wav", Pcm16(48000, 2, new short[frames * 2]));
        WavReader.Read(path); // warm up JIT and the array pool

        long before = GC.GetAllocatedBytesForCurrentThread();
        DecodedAudio audio = WavReader.Read(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(frames, audio.Samples.Length);
        Assert.InRange(allocated, frames * sizeof(float), frames * sizeof(float) + 256 * 1024);
    }

    /// <summary>Stored sample values: the format's extremes and tricky values first, then seeded random ones.</summary>
    internal static double[] StoredValues(TestSampleFormat format, int count, int seed)
    {
        double[] special = format switch
        {
            TestSampleFormat.UInt8 => [0, 255, 128, 127, 1, 254],
            TestSampleFormat.Int16 => [short.MinValue, short.MaxValue, 0, -1, 1, 12345],
            TestSampleFormat.Int24 => [-8388608, 8388607, 0, -1, 1, 4242424],
            TestSampleFormat.Int32 => [int.MinValue, int.MaxValue, 0, -1, 1, 16777217, -2147483583, 123456789],
            TestSampleFormat.Float32 => [1.25, -1.5, 0, -0.0, 1e-40, (float)0.1, -1, 1],
            TestSampleFormat.Float64 => [0.1, 1e-50, 2.5, -1.0000000001, 1e-310, -0.0, 1.9999999999],
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        var rng = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = i < special.Length ? special[i] : format switch
            {
                TestSampleFormat.UInt8 => rng.Next(0, 256),
                TestSampleFormat.Int16 => rng.Next(short.MinValue, short.MaxValue + 1),
                TestSampleFormat.Int24 => rng.Next(-8388608, 8388608),
                TestSampleFormat.Int32 => rng.NextInt64(int.MinValue, (long)int.MaxValue + 1),
                TestSampleFormat.Float32 => (float)(rng.NextDouble() * 4 - 2),
                _ => rng.NextDouble() * 4 - 2,
            };
        }
        return values;
    }

    /// <summary>The reference's mono: each sample scaled to float32, summed in channel order in float32, divided by C.</summary>
    internal static float[] ExpectedMono(TestSampleFormat format, IReadOnlyList<double> stored, int channels)
    {
        var mono = new float[stored.Count / channels];
        for (int f = 0; f < mono.Length; f++)
        {
            float sum = Scaled(format, stored[f * channels]);
            for (int c = 1; c < channels; c++) sum += Scaled(format, stored[f * channels + c]);
            mono[f] = channels == 1 ? sum : sum / channels;
        }
        return mono;
    }

    // Division by a power of two is exact in double, so this is "round to float32, then scale".
    private static float Scaled(TestSampleFormat format, double stored) => format switch
    {
        TestSampleFormat.UInt8 => (float)((stored - 128) / 128.0),
        TestSampleFormat.Int16 => (float)(stored / 32768.0),
        TestSampleFormat.Int24 => (float)(stored / 8388608.0),
        TestSampleFormat.Int32 => (float)(stored / 2147483648.0),
        _ => (float)stored,
    };

    internal static void AssertBitwiseEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"sample {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }
}
