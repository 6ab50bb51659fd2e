using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SpeechPairs.Tokenizer.Audio;

// Turns interleaved little-endian sample bytes into mono float32 in one pass, with the reference's
// scaling (libsndfile via soundfile/torchaudio): uint8 (v-128)/128, int16/2^15, int24/2^23,
// int32 rounded to float then /2^31, float as stored, double rounded to float. Mixdown is what
// torch.mean(dim=0) gives: a float32 sum of the scaled samples in channel order, then a float32
// division by the channel count. All scales are powers of two, so scaling itself is exact.
internal static class WavSampleDecoder
{
    private const float Scale8 = 1f / 128f;
    private const float Scale16 = 1f / 32768f;
    private const float Scale24 = 1f / 8388608f;
    private const float Scale32 = 1f / 2147483648f;

    // Decodes mono.Length whole frames from `frames` (exactly that many; converted to host order in place).
    // Returns the index of the first frame whose mono value is not finite, or -1; only float data can.
    public static int Decode(Span<byte> frames, Span<float> mono, WavSampleEncoding encoding, int bitsPerSample, int channels)
    {
        if (!BitConverter.IsLittleEndian) ToHostOrder(frames, bitsPerSample / 8);
        switch (encoding, bitsPerSample)
        {
            case (WavSampleEncoding.Pcm, 8): Pcm8(frames, mono, channels); return -1;
            case (WavSampleEncoding.Pcm, 16): Pcm16(MemoryMarshal.Cast<byte, short>(frames), mono, channels); return -1;
            case (WavSampleEncoding.Pcm, 24): Pcm24(frames, mono, channels); return -1;
            case (WavSampleEncoding.Pcm, 32): Pcm32(MemoryMarshal.Cast<byte, int>(frames), mono, channels); return -1;
            case (WavSampleEncoding.IeeeFloat, 32): return Float32(MemoryMarshal.Cast<byte, float>(frames), mono, channels);
            case (WavSampleEncoding.IeeeFloat, 64): return Float64(MemoryMarshal.Cast<byte, double>(frames), mono, channels);
            default: throw new ArgumentOutOfRangeException(nameof(bitsPerSample), $"{encoding} {bitsPerSample}-bit is not decodable");
        }
    }

    // Why a frame (its bytes, already in host order) decoded to a non-finite value.
    public static string DescribeNonFinite(ReadOnlySpan<byte> frameBytes, int bitsPerSample, int channels, long frame)
    {
        for (int c = 0; c < channels; c++)
        {
            double value = bitsPerSample == 32
                ? MemoryMarshal.Cast<byte, float>(frameBytes)[c]
                : MemoryMarshal.Cast<byte, double>(frameBytes)[c];
            if (double.IsNaN(value)) return $"float sample is NaN at frame {frame} (channel {c}); NaN and Inf samples are refused";
            if (double.IsInfinity(value))
                return $"float sample is {(value > 0 ? "+Inf" : "-Inf")} at frame {frame} (channel {c}); NaN and Inf samples are refused";
            if (!float.IsFinite((float)value))
                return $"float sample {value:R} at frame {frame} (channel {c}) is outside the float32 range";
        }
        return $"channel mixdown overflows float32 at frame {frame}";
    }

    private static void Pcm8(ReadOnlySpan<byte> s, Span<float> mono, int channels)
    {
        if (channels == 1)
        {
            for (int i = 0; i < mono.Length; i++) mono[i] = (s[i] - 128) * Scale8;
            return;
        }
        for (int f = 0, k = 0; f < mono.Length; f++)
        {
            float sum = (s[k++] - 128) * Scale8;
            for (int c = 1; c < channels; c++) sum += (s[k++] - 128) * Scale8;
            mono[f] = sum / channels;
        }
    }

    private static void Pcm16(ReadOnlySpan<short> s, Span<float> mono, int channels)
    {
        if (channels == 1)
        {
            for (int i = 0; i < mono.Length; i++) mono[i] = s[i] * Scale16;
            return;
        }
        for (int f = 0, k = 0; f < mono.Length; f++)
        {
            float sum = s[k++] * Scale16;
            for (int c = 1; c < channels; c++) sum += s[k++] * Scale16;
            mono[f] = sum / channels;
        }
    }

    private static void Pcm24(ReadOnlySpan<byte> s, Span<float> mono, int channels)
    {
        if (channels == 1)
        {
            for (int i = 0, k = 0; i < mono.Length; i++, k += 3) mono[i] = Int24(s, k) * Scale24;
            return;
        }
        for (int f = 0, k = 0; f < mono.Length; f++)
        {
            float sum = Int24(s, k) * Scale24;
            k += 3;
            for (int c = 1; c < channels; c++, k += 3) sum += Int24(s, k) * Scale24;
            mono[f] = sum / channels;
        }
    }

    private static int Int24(ReadOnlySpan<byte> s, int k) => s[k] | s[k + 1] << 8 | (sbyte)s[k + 2] << 16;

    // (float)int rounds to nearest, as libsndfile's C cast does, so int.MaxValue becomes exactly 1.0f.
    private static void Pcm32(ReadOnlySpan<int> s, Span<float> mono, int channels)
    {
        if (channels == 1)
        {
            for (int i = 0; i < mono.Length; i++) mono[i] = s[i] * Scale32;
            return;
        }
        for (int f = 0, k = 0; f < mono.Length; f++)
        {
            float sum = s[k++] * Scale32;
            for (int c = 1; c < channels; c++) sum += s[k++] * Scale32;
            mono[f] = sum / channels;
        }
    }

    // Values beyond [-1, 1] are kept (soundfile does not clip float files).
    private static int Float32(ReadOnlySpan<float> s, Span<float> mono, int channels)
    {
        if (channels == 1)
        {
            for (int i = 0; i < mono.Length; i++)
            {
                float v = s[i];
                if (!float.IsFinite(v)) return i;
                mono[i] = v;
            }
            return -1;
        }
        for (int f = 0, k = 0; f < mono.Length; f++)
        {
            float sum = s[k++];
            for (int c = 1; c < channels; c++) sum += s[k++];
            // A NaN/Inf in any channel (or an overflowing sum) makes the mean non-finite: one check per frame.
            float mean = sum / channels;
            if (!float.IsFinite(mean)) return f;
            mono[f] = mean;
        }
        return -1;
    }

    private static int Float64(ReadOnlySpan<double> s, Span<float> mono, int channels)
    {
        for (int f = 0, k = 0; f < mono.Length; f++)
        {
            float sum = (float)s[k++];
            for (int c = 1; c < channels; c++) sum += (float)s[k++];
            float mean = channels == 1 ? sum : sum / channels;
            if (!float.IsFinite(mean)) return f;
            mono[f] = mean;
        }
        return -1;
    }

    // WAV is little-endian; only a big-endian host needs this (24-bit is assembled byte by byte anyway).
    private static void ToHostOrder(Span<byte> bytes, int bytesPerSample)
    {
        switch (bytesPerSample)
        {
            case 2: var s16 = MemoryMarshal.Cast<byte, short>(bytes); BinaryPrimitives.ReverseEndianness(s16, s16); break;
            case 4: var s32 = MemoryMarshal.Cast<byte, int>(bytes); BinaryPrimitives.ReverseEndianness(s32, s32); break;
            case 8: var s64 = MemoryMarshal.Cast<byte, long>(bytes); BinaryPrimitives.ReverseEndianness(s64, s64); break;
        }
    }
}
