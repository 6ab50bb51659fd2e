using System.Buffers.Binary;
using System.Text;

namespace SpeechPairs.Tests.Support;

/// <summary>Sample layouts the test WAV writer can encode (public so theories can take it as a parameter).</summary>
public enum TestSampleFormat
{
    UInt8,
    Int16,
    Int24,
    Int32,
    Float32,
    Float64,
}

/// <summary>
/// Writes RIFF/WAVE bytes directly, chunk by chunk, so tests can build valid files in every supported
/// layout and deliberately broken ones (wrong sizes, missing or misordered chunks, odd codecs).
/// </summary>
internal static class TestWavFile
{
    public const ushort TagPcm = 0x0001;
    public const ushort TagAdpcm = 0x0002;
    public const ushort TagIeeeFloat = 0x0003;
    public const ushort TagALaw = 0x0006;
    public const ushort TagMuLaw = 0x0007;
    public const ushort TagMpeg = 0x0050;
    public const ushort TagExtensible = 0xFFFE;

    public static readonly Guid SubFormatPcm = new("00000001-0000-0010-8000-00aa00389b71");
    public static readonly Guid SubFormatIeeeFloat = new("00000003-0000-0010-8000-00aa00389b71");
    public static readonly Guid SubFormatALaw = new("00000006-0000-0010-8000-00aa00389b71");

    public static int BitsOf(TestSampleFormat format) => format switch
    {
        TestSampleFormat.UInt8 => 8,
        TestSampleFormat.Int16 => 16,
        TestSampleFormat.Int24 => 24,
        TestSampleFormat.Int32 => 32,
        TestSampleFormat.Float32 => 32,
        TestSampleFormat.Float64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static bool IsFloat(TestSampleFormat format) => format is TestSampleFormat.Float32 or TestSampleFormat.Float64;

    /// <summary>A plain fmt chunk body (16 bytes, or 18 + extra when <paramref name="extra"/> is given).</summary>
    public static byte[] Fmt(ushort tag, int channels, int sampleRate, int bitsPerSample, int? blockAlign = null, byte[]? extra = null)
    {
        int align = blockAlign ?? channels * bitsPerSample / 8;
        var body = new byte[extra is null ? 16 : 18 + extra.Length];
        var s = body.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s[0..], tag);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], (uint)(sampleRate * (long)align));
        BinaryPrimitives.WriteUInt16LittleEndian(s[12..], (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(s[14..], (ushort)bitsPerSample);
        if (extra is not null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s[16..], (ushort)extra.Length);
            extra.CopyTo(s[18..]);
        }
        return body;
    }

    /// <summary>A WAVE_FORMAT_EXTENSIBLE fmt chunk body (40 bytes).</summary>
    public static byte[] FmtExtensible(int channels, int sampleRate, int bitsPerSample, Guid subFormat,
        int? validBits = null, int? blockAlign = null, int? channelMask = null)
    {
        var extra = new byte[22];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, (ushort)(validBits ?? bitsPerSample));
        BinaryPrimitives.WriteInt32LittleEndian(extra.AsSpan(2), channelMask ?? (int)((1L << channels) - 1));
        subFormat.TryWriteBytes(extra.AsSpan(6));
        return Fmt(TagExtensible, channels, sampleRate, bitsPerSample, blockAlign, extra);
    }

    /// <summary>The fmt chunk body for a sample layout, plain or EXTENSIBLE.</summary>
    public static byte[] FmtFor(TestSampleFormat format, int channels, int sampleRate, bool extensible)
    {
        int bits = BitsOf(format);
        if (extensible)
            return FmtExtensible(channels, sampleRate, bits, IsFloat(format) ? SubFormatIeeeFloat : SubFormatPcm);
        return Fmt(IsFloat(format) ? TagIeeeFloat : TagPcm, channels, sampleRate, bits);
    }

    /// <summary>
    /// One chunk: id, size, body, and the RIFF pad byte after an odd-sized body. <paramref name="declaredSize"/>
    /// overrides the size field (to make a chunk claim more than it holds).
    /// </summary>
    public static byte[] Chunk(string id, byte[] body, uint? declaredSize = null, bool pad = true)
    {
        if (id.Length != 4) throw new ArgumentException("chunk ids have 4 characters", nameof(id));
        bool addPad = pad && body.Length % 2 == 1;
        var chunk = new byte[8 + body.Length + (addPad ? 1 : 0)];
        Encoding.ASCII.GetBytes(id, chunk);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), declaredSize ?? (uint)body.Length);
        body.CopyTo(chunk, 8);
        return chunk;
    }

    /// <summary>A RIFF file of the given chunks. <paramref name="riffSize"/> overrides the (otherwise correct) RIFF size.</summary>
    public static byte[] Riff(IEnumerable<byte[]> chunks, string magic = "RIFF", string form = "WAVE", uint? riffSize = null)
    {
        byte[] content = chunks.SelectMany(c => c).ToArray();
        var file = new byte[12 + content.Length];
        Encoding.ASCII.GetBytes(magic, file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), riffSize ?? (uint)(4 + content.Length));
        Encoding.ASCII.GetBytes(form, file.AsSpan(8));
        content.CopyTo(file, 12);
        return file;
    }

    /// <summary>A well-formed file: fmt chunk, then data chunk.</summary>
    public static byte[] Wav(byte[] fmtBody, byte[] data) => Riff([Chunk("fmt ", fmtBody), Chunk("data", data)]);

    /// <summary>A well-formed 16-bit PCM file.</summary>
    public static byte[] Pcm16(int sampleRate, int channels, params short[] interleaved) =>
        Wav(Fmt(TagPcm, channels, sampleRate, 16), Encode(TestSampleFormat.Int16, interleaved.Select(v => (double)v).ToArray()));

    /// <summary>A well-formed 32-bit float file.</summary>
    public static byte[] Float32(int sampleRate, int channels, params float[] interleaved) =>
        Wav(Fmt(TagIeeeFloat, channels, sampleRate, 32), Encode(TestSampleFormat.Float32, interleaved.Select(v => (double)v).ToArray()));

    /// <summary>
    /// Encodes interleaved samples as stored in the file: integer formats take the raw stored value
    /// (0-255 for 8-bit, signed for the rest), float formats the value itself.
    /// </summary>
    public static byte[] Encode(TestSampleFormat format, IReadOnlyList<double> stored)
    {
        int width = BitsOf(format) / 8;
        var bytes = new byte[stored.Count * width];
        for (int i = 0; i < stored.Count; i++)
        {
            var s = bytes.AsSpan(i * width, width);
            double v = stored[i];
            switch (format)
            {
                case TestSampleFormat.UInt8: s[0] = checked((byte)v); break;
                case TestSampleFormat.Int16: BinaryPrimitives.WriteInt16LittleEndian(s, checked((short)v)); break;
                case TestSampleFormat.Int24:
                    int v24 = checked((int)v);
                    if (v24 is < -(1 << 23) or >= 1 << 23) throw new OverflowException($"{v24} is not a 24-bit value");
                    s[0] = (byte)v24;
                    s[1] = (byte)(v24 >> 8);
                    s[2] = (byte)(v24 >> 16);
                    break;
                case TestSampleFormat.Int32: BinaryPrimitives.WriteInt32LittleEndian(s, checked((int)v)); break;
                case TestSampleFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(s, (float)v); break;
                case TestSampleFormat.Float64: BinaryPrimitives.WriteDoubleLittleEndian(s, v); break;
            }
        }
        return bytes;
    }
}
