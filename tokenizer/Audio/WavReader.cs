using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using NAudio.Wave;

namespace SpeechPairs.Tokenizer.Audio;

/// <summary>
/// Reads RIFF/WAVE files into mono float32 exactly as the Python reference does
/// (<c>torchaudio.load</c>, soundfile backend, then <c>mean(dim=0)</c>).
/// </summary>
/// <remarks>
/// <para>
/// Supported: integer PCM (8-bit unsigned, 16/24/32-bit signed) and IEEE float (32/64-bit), plain or as
/// WAVE_FORMAT_EXTENSIBLE, 1-8 channels, 8000-768000 Hz. Every failure is an
/// <see cref="AudioFormatException"/> naming the file and the reason; the message never comes from NAudio
/// or the file system alone.
/// </para>
/// <para>
/// What NAudio does: it parses the fmt chunk (<see cref="WaveFormat.FromFormatChunk"/>: the WAVEFORMATEX
/// fields and the cbSize extra bytes), and its <see cref="AudioMediaSubtypes"/> and
/// <see cref="WaveFormatEncoding"/> identify EXTENSIBLE sub-formats and name unsupported codecs.
/// </para>
/// <para>
/// What we do ourselves, and why:
/// the RIFF chunk walk, because NAudio's <see cref="WaveFileReader"/> silently clamps a data chunk that
/// claims more bytes than the file holds (we refuse it as truncated), stops at the RIFF size field (which
/// streaming writers leave wrong; libsndfile walks to the end of the file, so do we), and takes a nonzero
/// pad byte for the start of the next chunk (we name a missing pad byte, and refuse a second data chunk,
/// which libsndfile would take in place of the first); the header checks (channels, bit depth, block align, sample rate, sizes against the
/// real file length before anything is allocated), because NAudio accepts nonsense there and its
/// <c>AsStandardWaveFormat</c> recomputes the block align from channels × bits (hiding a bad one), drops
/// 64-bit float sub-formats and throws on zero channels; and the sample decode, because NAudio's sample
/// providers would first produce an interleaved float buffer (a second pass over C× the memory), while
/// we go from the file's bytes straight into the mono buffer in blocks, in one pass, with the reference's
/// exact scaling and channel-order float32 mixdown.
/// </para>
/// </remarks>
public static class WavReader
{
    private const int MinSampleRate = 8000;
    private const int MaxSampleRate = 768_000;
    private const int MaxChannels = 8;
    private const int MaxFmtChunkBytes = 1 << 16;
    private const int ReadBlockBytes = 1 << 17;
    private const int ExtensibleExtraBytes = 22;
    private const int MaxChunks = 10_000;

    // The most samples (frames × channels) a file may hold: the largest .NET array, about 2^31.
    private static readonly long MaxTotalSamples = Array.MaxLength;

    /// <summary>Reads and validates the header only (no sample data is read): cheap enough to plan batches.</summary>
    /// <remarks>
    /// A file this accepts is one <see cref="Read"/> decodes, unless its float samples contain NaN or Inf
    /// (that needs the data).
    /// </remarks>
    /// <exception cref="AudioFormatException">The file cannot be opened or its header is not a supported WAV.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null (a caller bug, not a bad file).</exception>
    public static WavInfo ReadInfo(string path)
    {
        using var handle = OpenHandle(path);
        return ReadHeader(path, handle).Info;
    }

    /// <summary>Decodes the whole file to mono float32 (the mean over channels), validating everything.</summary>
    /// <exception cref="AudioFormatException">The file cannot be opened, is not a supported WAV, is truncated, or holds NaN/Inf.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null (a caller bug, not a bad file).</exception>
    public static DecodedAudio Read(string path)
    {
        using var handle = OpenHandle(path);
        var (info, dataOffset) = ReadHeader(path, handle);
        return new DecodedAudio(path, DecodeData(path, handle, info, dataOffset), info.SampleRate, info.Channels);
    }

    /// <summary>
    /// Opens and validates the header, for decoding a range of frames at a time (<see cref="WavFile.ReadMono"/>): how a
    /// clip too long to hold whole is read. The ranges decode to exactly the samples <see cref="Read"/> gives.
    /// </summary>
    /// <exception cref="AudioFormatException">The file cannot be opened or its header is not a supported WAV.</exception>
    public static WavFile Open(string path)
    {
        var handle = OpenHandle(path);
        try
        {
            var (info, dataOffset) = ReadHeader(path, handle);
            return new WavFile(path, handle, info, dataOffset);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafeFileHandle OpenHandle(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new AudioFormatException(path, "cannot open: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new AudioFormatException(path, $"cannot open: {e.Message}", e);
        }
    }

    // Walks the RIFF chunks up to the data chunk and validates the format; returns where the samples start.
    private static (WavInfo Info, long DataOffset) ReadHeader(string path, SafeFileHandle handle)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 12)
            throw new AudioFormatException(path, $"not a WAV file: only {fileLength} bytes, less than a RIFF/WAVE header (12)");

        Span<byte> head = stackalloc byte[12];
        ReadAt(path, handle, head, 0);
        ReadOnlySpan<byte> magic = head[..4];
        if (!magic.SequenceEqual("RIFF"u8))
        {
            if (magic.SequenceEqual("RIFX"u8))
                throw new AudioFormatException(path, "unsupported container 'RIFX' (big-endian WAV); only little-endian RIFF is supported");
            if (magic.SequenceEqual("RF64"u8) || magic.SequenceEqual("BW64"u8))
                throw new AudioFormatException(path, $"unsupported container {ChunkName(magic)} (64-bit WAV); only RIFF is supported");
            throw new AudioFormatException(path, $"not a WAV file: no RIFF header (starts with {ChunkName(magic)})");
        }
        if (!head[8..12].SequenceEqual("WAVE"u8))
            throw new AudioFormatException(path, $"not a WAV file: RIFF form type is {ChunkName(head[8..12])}, not 'WAVE'");

        // The RIFF size field (bytes 4-7) is ignored: streaming writers leave it 0 or 0xFFFFFFFF and libsndfile
        // walks to the end of the file regardless. What matters is that no chunk runs past the real file end.
        // The walk goes on past the data chunk, to the end, so that a second data chunk is refused, not half-read.
        byte[]? fmt = null;
        bool dataBeforeFmt = false;
        WavInfo? info = null;
        long dataOffset = 0;
        Span<byte> chunkHeader = stackalloc byte[8];
        Span<byte> unpadded = stackalloc byte[8];
        Span<byte> oddId = stackalloc byte[4];
        long oddStart = -1; // where the previous chunk started, when its size was odd (its pad byte may be missing)
        uint oddSize = 0;
        long position = 12;
        for (int chunks = 0; fileLength - position >= 8; chunks++)
        {
            // Bounds the walk on junk (each chunk header is one read), so no file can keep it busy for long.
            if (chunks == MaxChunks)
                throw new AudioFormatException(path, info is null
                    ? $"more than {MaxChunks} chunks before the data chunk"
                    : $"more than {MaxChunks} chunks");
            ReadAt(path, handle, chunkHeader, position);

            // RIFF rule: an odd-sized chunk is followed by one pad byte that its size does not count. Writers that
            // leave it out shift every later header by one byte, which then reads as garbage (an id that is no
            // name, a size of gigabytes); where the header one byte earlier is sound, that is what happened.
            if (oddStart >= 0 && !IsPlausibleChunkHeader(chunkHeader, fileLength - position - 8))
            {
                ReadAt(path, handle, unpadded, position - 1);
                if (IsPlausibleChunkHeader(unpadded, fileLength - position - 7))
                {
                    if (info is null)
                        throw new AudioFormatException(path,
                            $"{ChunkName(oddId)} chunk at byte {oddStart} has odd size {oddSize} but no pad byte after it");
                    // Past the data the samples are whole: walk on from the real header, only to look for another data chunk.
                    position--;
                    unpadded.CopyTo(chunkHeader);
                }
            }

            ReadOnlySpan<byte> id = chunkHeader[..4];
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            long body = position + 8;
            long available = fileLength - body;
            if (info is not null && id.SequenceEqual("data"u8))
                throw new AudioFormatException(path, "more than one data chunk");
            if (size > available)
            {
                // After the data chunk, bytes that are not a whole chunk are trailing junk, never read (libsndfile too).
                if (info is not null) break;
                throw new AudioFormatException(path,
                    $"truncated file: {ChunkName(id)} chunk at byte {position} claims {size} bytes but only {available} follow");
            }

            if (id.SequenceEqual("fmt "u8))
            {
                if (dataBeforeFmt) throw new AudioFormatException(path, "data chunk comes before the fmt chunk");
                // A second fmt chunk is ignored, as libsndfile does.
                if (fmt is null)
                {
                    if (size > MaxFmtChunkBytes)
                        throw new AudioFormatException(path, $"fmt chunk of {size} bytes is implausibly large (limit {MaxFmtChunkBytes})");
                    fmt = new byte[size];
                    ReadAt(path, handle, fmt, body);
                }
            }
            else if (id.SequenceEqual("data"u8))
            {
                // Without a fmt chunk yet, keep walking only to tell "misordered" from "missing".
                if (fmt is not null)
                {
                    info = ParseFormat(path, fmt, size);
                    dataOffset = body;
                }
                else
                {
                    dataBeforeFmt = true;
                }
            }

            // Unknown chunks (LIST, PEAK, fact, cue, JUNK, bext...) are skipped.
            oddStart = (size & 1) == 1 ? position : -1;
            oddSize = size;
            id.CopyTo(oddId);
            position = body + size + (size & 1);
        }
        if (info is not null) return (info, dataOffset);
        throw new AudioFormatException(path, fmt is null ? "no fmt chunk" : "no data chunk");
    }

    // Whether 8 bytes read as a chunk header: a printable id and a size that fits in the bytes after it.
    private static bool IsPlausibleChunkHeader(ReadOnlySpan<byte> header, long available)
    {
        foreach (byte b in header[..4])
            if (b is < 0x20 or > 0x7E) return false;
        return BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) <= available;
    }

    private static WavInfo ParseFormat(string path, byte[] fmt, uint dataBytes)
    {
        if (fmt.Length < 16)
            throw new AudioFormatException(path, $"fmt chunk is too short: {fmt.Length} bytes, a WAVEFORMAT needs 16");
        WaveFormat format;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(fmt, writable: false));
            format = WaveFormat.FromFormatChunk(reader, fmt.Length);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new AudioFormatException(path, $"unreadable fmt chunk: {e.Message}", e);
        }

        // NAudio keeps these WORD fields as short; the file's values are unsigned.
        int channels = (ushort)format.Channels;
        int bits = (ushort)format.BitsPerSample;
        int blockAlign = (ushort)format.BlockAlign;
        long sampleRate = (uint)format.SampleRate;

        WavSampleEncoding encoding = format.Encoding switch
        {
            WaveFormatEncoding.Pcm => WavSampleEncoding.Pcm,
            WaveFormatEncoding.IeeeFloat => WavSampleEncoding.IeeeFloat,
            WaveFormatEncoding.Extensible => ExtensibleSubFormat(path, format),
            _ => throw new AudioFormatException(path,
                $"unsupported codec: format tag 0x{(ushort)format.Encoding:X4} ({TagName(format.Encoding)}); only PCM and IEEE float are supported"),
        };

        if (channels == 0) throw new AudioFormatException(path, "zero channels in the fmt chunk");
        if (channels > MaxChannels)
            throw new AudioFormatException(path, $"{channels} channels is more than the {MaxChannels} supported");

        bool bitsSupported = encoding == WavSampleEncoding.Pcm ? bits is 8 or 16 or 24 or 32 : bits is 32 or 64;
        if (!bitsSupported)
            throw new AudioFormatException(path, encoding == WavSampleEncoding.Pcm
                ? $"unsupported PCM bit depth {bits} (supported: 8, 16, 24, 32)"
                : $"unsupported float bit depth {bits} (supported: 32, 64)");

        int expectedBlockAlign = channels * (bits / 8);
        if (blockAlign != expectedBlockAlign)
            throw new AudioFormatException(path,
                $"block align {blockAlign} is inconsistent with {channels} channels × {bits} bits (expected {expectedBlockAlign})");

        if (sampleRate < MinSampleRate)
            throw new AudioFormatException(path, $"sample rate {sampleRate} Hz is below the {MinSampleRate} Hz minimum");
        if (sampleRate > MaxSampleRate)
            throw new AudioFormatException(path, $"sample rate {sampleRate} Hz is implausible (above {MaxSampleRate} Hz)");

        // A trailing partial frame is dropped, as libsndfile does (frames = data bytes / block align).
        long frames = dataBytes / blockAlign;
        if (frames == 0)
            throw new AudioFormatException(path, dataBytes == 0
                ? "no audio samples (the data chunk is empty)"
                : $"no audio samples (the data chunk's {dataBytes} bytes are less than one {blockAlign}-byte frame)");
        if (frames * channels > MaxTotalSamples)
            throw new AudioFormatException(path,
                $"too long: {frames} frames × {channels} channels exceeds the limit of {MaxTotalSamples} samples");

        return new WavInfo((int)sampleRate, channels, bits, encoding, frames);
    }

    private static WavSampleEncoding ExtensibleSubFormat(string path, WaveFormat format)
    {
        // NAudio materialises an EXTENSIBLE fmt chunk read from a file as WaveFormatExtraData; the
        // sub-format GUID sits at bytes 6-21 of its extra data (after wValidBitsPerSample and dwChannelMask).
        // AsStandardWaveFormat would map it too, but not for 64-bit float, and it rewrites the block align.
        byte[] extra = (format as WaveFormatExtraData)?.ExtraData ?? [];
        if (extra.Length < ExtensibleExtraBytes)
            throw new AudioFormatException(path,
                $"WAVE_FORMAT_EXTENSIBLE fmt chunk has {extra.Length} extra bytes; it needs {ExtensibleExtraBytes}");
        var subFormat = new Guid(extra.AsSpan(6, 16));
        if (subFormat == AudioMediaSubtypes.MEDIASUBTYPE_PCM) return WavSampleEncoding.Pcm;
        if (subFormat == AudioMediaSubtypes.MEDIASUBTYPE_IEEE_FLOAT) return WavSampleEncoding.IeeeFloat;
        throw new AudioFormatException(path,
            $"unsupported codec: WAVE_FORMAT_EXTENSIBLE sub-format {AudioMediaSubtypes.GetAudioSubtypeName(subFormat)}; only PCM and IEEE float are supported");
    }

    private static float[] DecodeData(string path, SafeFileHandle handle, WavInfo info, long dataOffset)
    {
        float[] mono;
        try
        {
            mono = new float[info.Frames];
        }
        catch (OutOfMemoryException e)
        {
            throw new AudioFormatException(path, $"not enough memory for {info.Frames} samples", e);
        }
        DecodeFrames(path, handle, info, dataOffset, 0, mono);
        return mono;
    }

    /// <summary>Decodes frames [<paramref name="firstFrame"/>, + mono.Length) into <paramref name="mono"/>, in blocks.</summary>
    internal static void DecodeFrames(string path, SafeFileHandle handle, WavInfo info, long dataOffset, long firstFrame, Span<float> mono)
    {
        if (firstFrame < 0 || firstFrame + mono.Length > info.Frames)
            throw new ArgumentOutOfRangeException(nameof(firstFrame), $"frames [{firstFrame}, {firstFrame + mono.Length}) are not within the file's {info.Frames}");
        int blockAlign = info.Channels * (info.BitsPerSample / 8);
        int framesPerBlock = Math.Max(1, ReadBlockBytes / blockAlign);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(framesPerBlock * blockAlign);
        try
        {
            for (int done = 0; done < mono.Length; done += framesPerBlock)
            {
                int count = Math.Min(framesPerBlock, mono.Length - done);
                long frame = firstFrame + done;
                Span<byte> bytes = buffer.AsSpan(0, count * blockAlign);
                ReadAt(path, handle, bytes, dataOffset + frame * blockAlign);
                int bad = WavSampleDecoder.Decode(bytes, mono.Slice(done, count), info.Encoding, info.BitsPerSample, info.Channels);
                if (bad >= 0)
                    throw new AudioFormatException(path, WavSampleDecoder.DescribeNonFinite(
                        bytes.Slice(bad * blockAlign, blockAlign), info.BitsPerSample, info.Channels, frame + bad));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void ReadAt(string path, SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            int read;
            try
            {
                read = RandomAccess.Read(handle, buffer, offset);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new AudioFormatException(path, $"read error at byte {offset}: {e.Message}", e);
            }
            // Only possible if the file shrank after its length was checked.
            if (read == 0) throw new AudioFormatException(path, $"truncated file: unexpected end of file at byte {offset}");
            buffer = buffer[read..];
            offset += read;
        }
    }

    private static string TagName(WaveFormatEncoding tag) => Enum.IsDefined(tag) ? tag.ToString() : "unknown";

    // A chunk id for messages: 'fmt ' when printable, else its hex bytes.
    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        foreach (byte b in id)
            if (b is < 0x20 or > 0x7E) return $"[{Convert.ToHexString(id)}]";
        return $"'{System.Text.Encoding.ASCII.GetString(id)}'";
    }
}
