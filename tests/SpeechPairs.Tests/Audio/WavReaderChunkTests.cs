using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Audio;
using static SpeechPairs.Tests.Support.TestWavFile;

namespace SpeechPairs.Tests.Audio;

/// <summary>The RIFF walk tolerates what libsndfile tolerates: pad bytes, unknown chunks, partial frames, wrong RIFF sizes.</summary>
public sealed class WavReaderChunkTests : IDisposable
{
    private static readonly byte[] PcmMono16k = Fmt(TagPcm, 1, 16000, 16);
    private static readonly byte[] FourFrames = Encode(TestSampleFormat.Int16, [16384, -16384, 32767, -32768]);
    private static readonly float[] FourFramesMono = [0.5f, -0.5f, 0.999969482421875f, -1f];

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [SkippableFact]
    public void Trailing_partial_frame_is_dropped()
    {
        // Stereo int16: 3 whole frames (12 bytes) + 3 stray bytes. libsndfile keeps the whole frames too.
        byte[] data = [.. Encode(TestSampleFormat.Int16, [100, 300, -200, -400, 32767, 32767]), 0x11, 0x22, 0x33];
        string path = _dir.Write("partial.wav", Wav(Fmt(TagPcm, 2, 44100, 16), data));

        Assert.Equal(3, WavReader.ReadInfo(path).Frames);
        Assert.Equal([200f / 32768f, -300f / 32768f, 32767f / 32768f], WavReader.Read(path).Samples);
    }

    [SkippableFact]
    public void Odd_sized_unknown_chunk_is_followed_by_its_pad_byte()
    {
        var bytes = Riff([Chunk("JUNK", [1, 2, 3, 4, 5]), Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames)]);
        Assert.Equal(12 + 8 + 6 + 8 + 16 + 8 + 8, bytes.Length); // the 5-byte body took 6

        Assert.Equal(FourFramesMono, WavReader.Read(_dir.Write("pad.wav", bytes)).Samples);
    }

    [SkippableTheory]
    [InlineData(TestSampleFormat.UInt8)]
    [InlineData(TestSampleFormat.Int24)]
    public void Odd_sized_data_chunk_with_pad_and_trailing_chunk_decodes(TestSampleFormat format)
    {
        double[] stored = format == TestSampleFormat.UInt8 ? [0, 128, 255] : [-8388608, 0, 8388607];
        var bytes = Riff([
            Chunk("fmt ", FmtFor(format, 1, 8000, extensible: false)),
            Chunk("data", Encode(format, stored)),
            Chunk("LIST", "INFOISFT\x05\0\0\0test\0\0"u8.ToArray()),
        ]);

        Assert.Equal([-1f, 0f, format == TestSampleFormat.UInt8 ? 0.9921875f : 0.99999988079071044921875f],
            WavReader.Read(_dir.Write("odd.wav", bytes)).Samples);
    }

    [SkippableFact]
    public void Odd_sized_last_chunk_without_its_pad_byte_is_accepted()
    {
        // Writers often omit the final pad byte; the data itself is whole.
        var bytes = Riff([Chunk("fmt ", Fmt(TagPcm, 1, 8000, 8)), Chunk("data", [0, 128, 255], pad: false)]);

        Assert.Equal([-1f, 0f, 0.9921875f], WavReader.Read(_dir.Write("nopad.wav", bytes)).Samples);
    }

    [SkippableFact]
    public void Unknown_chunks_anywhere_before_the_data_are_skipped()
    {
        var bytes = Riff([
            Chunk("JUNK", new byte[28]),
            Chunk("bext", new byte[602]),
            Chunk("fmt ", Fmt(TagIeeeFloat, 1, 22050, 32)),
            Chunk("fact", [4, 0, 0, 0]),
            Chunk("PEAK", new byte[16]),
            Chunk("cue ", new byte[28]),
            Chunk("LIST", new byte[33]),
            Chunk("\x01\x02\x03\x04", new byte[7]), // not even printable
            Chunk("data", Encode(TestSampleFormat.Float32, [1.25, -1.25, 0.5, 2])),
            Chunk("id3 ", new byte[100]),
        ]);

        Assert.Equal([1.25f, -1.25f, 0.5f, 2f], WavReader.Read(_dir.Write("chunks.wav", bytes)).Samples);
    }

    [SkippableFact]
    public void Many_empty_chunks_are_walked_quickly()
    {
        var chunks = Enumerable.Range(0, 9_000).Select(_ => Chunk("JUNK", [])).Append(Chunk("fmt ", PcmMono16k)).Append(Chunk("data", FourFrames));

        Assert.Equal(FourFramesMono, WavReader.Read(_dir.Write("many.wav", Riff(chunks))).Samples);
    }

    [SkippableTheory]
    [InlineData(0u)]
    [InlineData(4u)]
    [InlineData(0xFFFF_FFFFu)]
    public void Wrong_riff_size_is_ignored_like_libsndfile(uint riffSize)
    {
        // Streaming writers leave 0 or 0xFFFFFFFF; NAudio's WaveFileReader stops at the RIFF size and would miss the chunks.
        var bytes = Riff([Chunk("fmt ", PcmMono16k), Chunk("data", FourFrames)], riffSize: riffSize);

        Assert.Equal(FourFramesMono, WavReader.Read(_dir.Write("riffsize.wav", bytes)).Samples);
    }

    [SkippableFact]
    public void Bytes_after_the_data_chunk_are_not_samples()
    {
        byte[] bytes = [.. Wav(PcmMono16k, FourFrames), .. new byte[] { 0x7F, 0x7F, 0x7F }];

        Assert.Equal(FourFramesMono, WavReader.Read(_dir.Write("trailing.wav", bytes)).Samples);
    }

    [SkippableFact]
    public void After_the_data_chunk_junk_and_a_missing_pad_byte_are_tolerated()
    {
        // The walk goes past the data only to find a second data chunk; what it finds there is not needed.
        byte[] junk = [.. Wav(PcmMono16k, FourFrames), .. "JUNKJUNK"u8, 0xFF, 0xFF];
        Assert.Equal(FourFramesMono, WavReader.Read(_dir.Write("junk.wav", junk)).Samples);

        var unpadded = Riff([Chunk("fmt ", Fmt(TagPcm, 1, 8000, 8)), Chunk("data", [0, 128, 255], pad: false), Chunk("LIST", new byte[12])]);
        Assert.Equal([-1f, 0f, 0.9921875f], WavReader.Read(_dir.Write("unpadded.wav", unpadded)).Samples);
    }

    [SkippableFact]
    public void Second_fmt_chunk_is_ignored_like_libsndfile()
    {
        var bytes = Riff([Chunk("fmt ", PcmMono16k), Chunk("fmt ", Fmt(TagPcm, 2, 44100, 8)), Chunk("data", FourFrames)]);
        string path = _dir.Write("twofmt.wav", bytes);

        Assert.Equal(new WavInfo(16000, 1, 16, WavSampleEncoding.Pcm, 4), WavReader.ReadInfo(path));
        Assert.Equal(FourFramesMono, WavReader.Read(path).Samples);
    }

    [SkippableFact]
    public void Fmt_chunk_with_cb_size_and_extra_bytes_is_read()
    {
        // WAVEFORMATEX with cbSize = 0 (18 bytes), as many writers emit for plain PCM.
        string path = _dir.Write("fmt18.wav", Wav(Fmt(TagPcm, 1, 16000, 16, extra: []), FourFrames));

        Assert.Equal(FourFramesMono, WavReader.Read(path).Samples);
    }
}
