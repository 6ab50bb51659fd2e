using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Audio;
using static SpeechPairs.Tests.Support.TestWavFile;

namespace SpeechPairs.Tests.Audio;

/// <summary>
/// Every broken or unsupported file is refused with an <see cref="AudioFormatException"/> whose message
/// names the file and says why. Header problems are refused identically by ReadInfo and Read.
/// </summary>
public sealed class WavReaderRefusalTests : IDisposable
{
    private static readonly byte[] FourFrames = Encode(TestSampleFormat.Int16, [1, -1, 1000, -1000]);
    private static readonly byte[] PcmMono16k = Fmt(TagPcm, 1, 16000, 16);

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    // --- truncation and sizes ---

    [SkippableFact]
    public void Data_chunk_claiming_more_than_the_file_holds_is_truncated()
    {
        var bytes = Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames, declaredSize: 108)]);
        AssertHeaderRefused(bytes, "truncated file", "'data' chunk at byte 36 claims 108 bytes but only 8 follow");
    }

    [SkippableFact]
    public void File_cut_inside_the_data_is_truncated()
    {
        byte[] whole = Wav(PcmMono16k, FourFrames);
        AssertHeaderRefused(whole[..^3], "truncated file", "'data' chunk", "claims 8 bytes but only 5 follow");
    }

    [SkippableFact]
    public void File_cut_inside_the_fmt_chunk_is_truncated()
    {
        byte[] whole = Wav(PcmMono16k, FourFrames);
        AssertHeaderRefused(whole[..30], "truncated file", "'fmt ' chunk at byte 12 claims 16 bytes but only 10 follow");
    }

    [SkippableFact]
    public void Header_claiming_gigabytes_is_refused_before_allocating()
    {
        var bytes = Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames, declaredSize: 0xFFFF_FFF0)]);
        string path = _dir.Write("huge.wav", bytes);
        Assert.Throws<AudioFormatException>(() => WavReader.Read(path)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<AudioFormatException>(() => WavReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        AssertNamesFileAndReason(e, path, "truncated file", "claims 4294967280 bytes but only 8 follow");
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes before refusing");
    }

    [SkippableFact]
    public void Unknown_chunk_claiming_gigabytes_is_truncated()
    {
        var bytes = Riff([Chunk("LIST", [1, 2, 3, 4], declaredSize: 0x8000_0000), Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames)]);
        AssertHeaderRefused(bytes, "truncated file", "'LIST' chunk at byte 12 claims 2147483648 bytes");
    }

    [SkippableFact]
    public void Oversized_fmt_chunk_is_refused()
    {
        var fmt = new byte[70_000];
        PcmMono16k.CopyTo(fmt, 0);
        AssertHeaderRefused(Wav(fmt, FourFrames), "fmt chunk of 70000 bytes is implausibly large");
    }

    [SkippableFact]
    public void More_samples_than_an_array_can_hold_are_refused()
    {
        // A real (sparse) 2 GiB file: 2^31 frames of 8-bit mono passes the size checks but not the sample cap.
        const uint dataBytes = 1u << 31;
        byte[] header = Riff([Chunk("fmt ", Fmt(TagPcm, 1, 8000, 8)), Chunk("data", [], declaredSize: dataBytes)]);
        string path = Path.Combine(_dir.Path, "long.wav");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.Write(header);
            stream.SetLength(header.Length + (long)dataBytes);
        }

        AssertHeaderRefusedAt(path, "too long", "2147483648 frames × 1 channels exceeds the limit of 2147483591 samples");
    }

    [SkippableFact]
    public void Too_many_chunks_before_the_data_are_refused()
    {
        var chunks = Enumerable.Range(0, 10_001).Select(_ => Chunk("JUNK", [])).Append(Chunk("fmt ", PcmMono16k)).Append(Chunk("data", FourFrames));
        AssertHeaderRefused(Riff(chunks), "more than 10000 chunks before the data chunk");
    }

    // --- container ---

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(11)]
    public void Files_shorter_than_a_riff_header_are_not_wav(int length)
    {
        AssertHeaderRefused(Wav(PcmMono16k, FourFrames)[..length], "not a WAV file", $"only {length} bytes");
    }

    [SkippableFact]
    public void Text_file_is_not_wav()
    {
        AssertHeaderRefused("this is a transcript, not audio"u8.ToArray(), "not a WAV file", "no RIFF header", "'this'");
    }

    [SkippableFact]
    public void Binary_magic_is_shown_in_hex()
    {
        AssertHeaderRefused([0x00, 0xFF, 0x10, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "not a WAV file", "no RIFF header", "[00FF1020]");
    }

    [SkippableFact]
    public void Riff_of_another_form_type_is_not_wav()
    {
        AssertHeaderRefused(Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames)], form: "AVI "), "not a WAV file", "form type is 'AVI '");
    }

    [SkippableTheory]
    [InlineData("RIFX", "unsupported container 'RIFX' (big-endian WAV)")]
    [InlineData("RF64", "unsupported container 'RF64' (64-bit WAV)")]
    [InlineData("BW64", "unsupported container 'BW64' (64-bit WAV)")]
    public void Other_riff_flavours_are_unsupported(string magic, string reason)
    {
        AssertHeaderRefused(Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames)], magic: magic), reason);
    }

    [SkippableFact]
    public void Missing_fmt_chunk_is_refused()
    {
        AssertHeaderRefused(Riff([Chunk("LIST", new byte[10]), Chunk("data", FourFrames)]), "no fmt chunk");
    }

    [SkippableFact]
    public void Missing_data_chunk_is_refused()
    {
        AssertHeaderRefused(Riff([Chunk("fmt ", PcmMono16k), Chunk("LIST", new byte[10])]), "no data chunk");
    }

    [SkippableFact]
    public void Data_before_fmt_is_refused()
    {
        AssertHeaderRefused(Riff([Chunk("data", FourFrames), Chunk("fmt ", PcmMono16k)]), "data chunk comes before the fmt chunk");
    }

    [SkippableFact]
    public void Second_data_chunk_is_refused_not_half_read()
    {
        AssertHeaderRefused(Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames), Chunk("data", FourFrames)]),
            "more than one data chunk");
        AssertHeaderRefused(Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames), Chunk("LIST", new byte[9]), Chunk("data", [])]),
            "more than one data chunk");
        // Even when the second one is cut short: its samples would have been lost all the same.
        AssertHeaderRefused(Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames), Chunk("data", FourFrames, declaredSize: 1000)]),
            "more than one data chunk");
    }

    [SkippableFact]
    public void Second_data_chunk_after_an_unpadded_odd_data_chunk_is_refused()
    {
        var bytes = Riff([Chunk("fmt ", Fmt(TagPcm, 1, 8000, 8)), Chunk("data", [0, 128, 255], pad: false), Chunk("data", [1, 2])]);
        AssertHeaderRefused(bytes, "more than one data chunk");
    }

    [SkippableFact]
    public void Odd_sized_chunk_without_its_pad_byte_is_named()
    {
        // Without the pad, the next header read one byte late is a chunk [6D742010] claiming 16777216 bytes: "truncated".
        var bytes = Riff([Chunk("LIST", [1, 2, 3, 4, 5], pad: false), Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames)]);
        AssertHeaderRefused(bytes, "'LIST' chunk at byte 12 has odd size 5 but no pad byte after it");
    }

    [SkippableFact]
    public void Odd_sized_chunk_without_its_pad_byte_is_named_when_the_late_header_fits()
    {
        // One byte late, 'JUNK' + size 4 + four zero bytes read as a chunk [554E4B04] of size 0 that fits in the file.
        var bytes = Riff([Chunk("LIST", [1, 2, 3], pad: false), Chunk("JUNK", [0, 0, 0, 0]), Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames)]);
        AssertHeaderRefused(bytes, "'LIST' chunk at byte 12 has odd size 3 but no pad byte after it");
    }

    // --- no samples ---

    [SkippableFact]
    public void Empty_data_chunk_has_no_audio_samples()
    {
        AssertHeaderRefused(Wav(PcmMono16k, []), "no audio samples", "data chunk is empty");
    }

    [SkippableTheory]
    [InlineData(1, 16, 1)]
    [InlineData(2, 24, 5)]
    [InlineData(8, 32, 31)]
    public void Data_shorter_than_one_frame_has_no_audio_samples(int channels, int bits, int dataBytes)
    {
        AssertHeaderRefused(Wav(Fmt(TagPcm, channels, 16000, bits), new byte[dataBytes]),
            "no audio samples", $"{dataBytes} bytes are less than one {channels * bits / 8}-byte frame");
    }

    // --- fmt contents ---

    [SkippableTheory]
    [InlineData(TagAdpcm, "0x0002 (Adpcm)")]
    [InlineData(TagALaw, "0x0006 (ALaw)")]
    [InlineData(TagMuLaw, "0x0007 (MuLaw)")]
    [InlineData(TagMpeg, "0x0050 (Mpeg)")]
    [InlineData((ushort)0x1234, "0x1234 (unknown)")]
    public void Unsupported_codecs_are_named(ushort tag, string named)
    {
        // Shaped like the real thing (ADPCM: 4 bits, 256-byte blocks, coefficient table in the extra bytes).
        byte[] fmt = tag == TagAdpcm ? Fmt(tag, 1, 8000, 4, blockAlign: 256, extra: new byte[32]) : Fmt(tag, 1, 8000, 8);
        AssertHeaderRefused(Wav(fmt, new byte[512]), "unsupported codec: format tag " + named);
    }

    [SkippableFact]
    public void Extensible_with_an_unsupported_sub_format_is_named()
    {
        AssertHeaderRefused(Wav(FmtExtensible(1, 8000, 8, SubFormatALaw), new byte[16]),
            "unsupported codec: WAVE_FORMAT_EXTENSIBLE sub-format", "00000006-0000-0010-8000-00aa00389b71");
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(10)]
    public void Extensible_without_its_extra_bytes_is_refused(int extraBytes)
    {
        AssertHeaderRefused(Wav(Fmt(TagExtensible, 2, 48000, 16, extra: new byte[extraBytes]), FourFrames),
            $"WAVE_FORMAT_EXTENSIBLE fmt chunk has {extraBytes} extra bytes; it needs 22");
    }

    [SkippableFact]
    public void Fmt_chunk_shorter_than_a_waveformat_is_refused()
    {
        AssertHeaderRefused(Wav(PcmMono16k[..14], FourFrames), "fmt chunk is too short: 14 bytes");
    }

    [SkippableFact]
    public void Fmt_chunk_that_naudio_cannot_parse_is_refused_with_our_exception()
    {
        // 17 bytes: one byte of a two-byte cbSize. NAudio throws EndOfStreamException; it must not leak.
        var e = AssertHeaderRefused(Wav([.. PcmMono16k, 0], FourFrames), "unreadable fmt chunk");
        Assert.IsType<EndOfStreamException>(e.InnerException);
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Zero_channels_are_refused(bool extensible)
    {
        byte[] fmt = extensible ? FmtExtensible(0, 16000, 16, SubFormatPcm, blockAlign: 2, channelMask: 0) : Fmt(TagPcm, 0, 16000, 16, blockAlign: 2);
        AssertHeaderRefused(Wav(fmt, FourFrames), "zero channels");
    }

    [SkippableTheory]
    [InlineData(9, false)]
    [InlineData(9, true)]
    [InlineData(64, false)]
    [InlineData(65535, false)]
    public void More_than_eight_channels_are_refused(int channels, bool extensible)
    {
        byte[] fmt = extensible ? FmtExtensible(channels, 48000, 16, SubFormatPcm) : Fmt(TagPcm, channels, 48000, 16);
        AssertHeaderRefused(Wav(fmt, new byte[channels * 2 * 4]), $"{channels} channels is more than the 8 supported");
    }

    [SkippableTheory]
    [InlineData(false, 2, 16, 6, "block align 6 is inconsistent with 2 channels × 16 bits (expected 4)")]
    [InlineData(true, 2, 16, 6, "block align 6 is inconsistent with 2 channels × 16 bits (expected 4)")]
    [InlineData(false, 1, 24, 4, "block align 4 is inconsistent with 1 channels × 24 bits (expected 3)")]
    [InlineData(true, 6, 32, 0, "block align 0 is inconsistent with 6 channels × 32 bits (expected 24)")]
    public void Block_align_must_match_channels_and_bits(bool extensible, int channels, int bits, int blockAlign, string reason)
    {
        byte[] fmt = extensible
            ? FmtExtensible(channels, 48000, bits, SubFormatPcm, blockAlign: blockAlign)
            : Fmt(TagPcm, channels, 48000, bits, blockAlign: blockAlign);
        AssertHeaderRefused(Wav(fmt, new byte[96]), reason);
    }

    [SkippableTheory]
    [InlineData(TagPcm, 4, 1, "unsupported PCM bit depth 4 (supported: 8, 16, 24, 32)")]
    [InlineData(TagPcm, 12, 2, "unsupported PCM bit depth 12")]
    [InlineData(TagPcm, 0, 2, "unsupported PCM bit depth 0")]
    [InlineData(TagPcm, 64, 8, "unsupported PCM bit depth 64")]
    [InlineData(TagIeeeFloat, 16, 2, "unsupported float bit depth 16 (supported: 32, 64)")]
    [InlineData(TagIeeeFloat, 24, 3, "unsupported float bit depth 24")]
    public void Unsupported_bit_depths_are_refused(ushort tag, int bits, int blockAlign, string reason)
    {
        AssertHeaderRefused(Wav(Fmt(tag, 1, 16000, bits, blockAlign: blockAlign), new byte[64]), reason);
    }

    [SkippableTheory]
    [InlineData(0u, "sample rate 0 Hz is below the 8000 Hz minimum")]
    [InlineData(4000u, "sample rate 4000 Hz is below the 8000 Hz minimum")]
    [InlineData(7999u, "sample rate 7999 Hz is below the 8000 Hz minimum")]
    [InlineData(768_001u, "sample rate 768001 Hz is implausible (above 768000 Hz)")]
    [InlineData(4_294_967_295u, "sample rate 4294967295 Hz is implausible")]
    public void Sample_rates_outside_8k_to_768k_are_refused(uint rate, string reason)
    {
        AssertHeaderRefused(Wav(Fmt(TagPcm, 1, (int)rate, 16), FourFrames), reason);
    }

    // --- sample values (only a full decode can see them) ---

    [SkippableTheory]
    [InlineData(1, 3, 0, float.NaN, "float sample is NaN at frame 3 (channel 0)")]
    [InlineData(2, 5, 1, float.PositiveInfinity, "float sample is +Inf at frame 5 (channel 1)")]
    [InlineData(6, 0, 5, float.NegativeInfinity, "float sample is -Inf at frame 0 (channel 5)")]
    [InlineData(1, 40_000, 0, float.NaN, "float sample is NaN at frame 40000 (channel 0)")] // past the first read block
    public void Float32_nan_and_inf_are_refused_naming_the_frame(int channels, int frame, int channel, float bad, string reason)
    {
        var samples = new double[(frame + 10) * channels];
        samples[frame * channels + channel] = bad;
        AssertDataRefused(Wav(Fmt(TagIeeeFloat, channels, 16000, 32), Encode(TestSampleFormat.Float32, samples)), reason);
    }

    [SkippableTheory]
    [InlineData(double.NaN, "float sample is NaN at frame 2 (channel 1)")]
    [InlineData(double.NegativeInfinity, "float sample is -Inf at frame 2 (channel 1)")]
    [InlineData(1e300, "float sample 1E+300 at frame 2 (channel 1) is outside the float32 range")]
    public void Float64_values_that_are_not_finite_float32_are_refused(double bad, string reason)
    {
        double[] samples = [0, 0, 0, 0, 0, bad, 0, 0];
        AssertDataRefused(Wav(FmtExtensible(2, 16000, 64, SubFormatIeeeFloat), Encode(TestSampleFormat.Float64, samples)), reason);
    }

    [SkippableFact]
    public void Float_mixdown_overflow_is_refused()
    {
        AssertDataRefused(Float32(16000, 2, 0, 0, float.MaxValue, float.MaxValue), "channel mixdown overflows float32 at frame 1");
    }

    // --- the file itself ---

    [SkippableFact]
    public void Missing_file_is_refused()
    {
        AssertHeaderRefusedAt(Path.Combine(_dir.Path, "nope.wav"), "cannot open: file not found");
    }

    [SkippableFact]
    public void Missing_directory_is_refused()
    {
        AssertHeaderRefusedAt(Path.Combine(_dir.Path, "no-such-dir", "x.wav"), "cannot open: file not found");
    }

    [SkippableFact]
    public void Directory_is_refused()
    {
        AssertHeaderRefusedAt(_dir.Path, "cannot open:");
    }

    private AudioFormatException AssertHeaderRefused(byte[] bytes, params string[] reasonParts) =>
        AssertHeaderRefusedAt(_dir.Write("broken.wav", bytes), reasonParts);

    // Header problems: ReadInfo and Read refuse with the same reason.
    private static AudioFormatException AssertHeaderRefusedAt(string path, params string[] reasonParts)
    {
        var fromInfo = Assert.Throws<AudioFormatException>(() => WavReader.ReadInfo(path));
        var fromRead = Assert.Throws<AudioFormatException>(() => WavReader.Read(path));
        AssertNamesFileAndReason(fromRead, path, reasonParts);
        Assert.Equal(fromRead.Message, fromInfo.Message);
        return fromRead;
    }

    // Sample problems: the header is fine (ReadInfo succeeds), the decode refuses.
    private void AssertDataRefused(byte[] bytes, string reason)
    {
        string path = _dir.Write("bad-samples.wav", bytes);
        WavReader.ReadInfo(path);
        AssertNamesFileAndReason(Assert.Throws<AudioFormatException>(() => WavReader.Read(path)), path, reason);
    }

    private static void AssertNamesFileAndReason(AudioFormatException e, string path, params string[] reasonParts)
    {
        Assert.Equal(path, e.Path);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (string part in reasonParts) Assert.Contains(part, e.Reason);
    }
}
