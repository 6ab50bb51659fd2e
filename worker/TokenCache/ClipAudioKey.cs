using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// The cache key of a clip's audio: SHA-256 of the decoded mono float32 samples and the sample rate.
/// <para>
/// These are exactly what the tokenizer receives (resampling, normalisation, trim and the dither seed all follow from
/// them), so a hit gives the tokens a fresh run would, whatever the file's header says: an extra LIST chunk, another
/// chunk order, or another encoding of the same samples may share a key, and rightly so. The channel count is left
/// out because the tokenizer only ever sees the mix. Hashing the file bytes instead would be cheaper but would miss
/// on a re-tagged file; hashing decoded samples costs one pass over data already in memory.
/// </para>
/// </summary>
internal static class ClipAudioKey
{
    // Names the key's layout, so a future change of it can never collide with today's keys.
    private static readonly byte[] Domain = "speechpairs/clip-audio/f32le-mono+rate/1\n"u8.ToArray();

    public static byte[] Compute(DecodedAudio audio)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(header, audio.SampleRate);
        BinaryPrimitives.WriteInt64LittleEndian(header[4..], audio.Samples.LongLength);
        hash.AppendData(Domain);
        hash.AppendData(header);
        if (BitConverter.IsLittleEndian)
            hash.AppendData(MemoryMarshal.AsBytes(audio.Samples.AsSpan()));
        else
        {
            Span<byte> bytes = stackalloc byte[4];
            foreach (var sample in audio.Samples)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes, sample);
                hash.AppendData(bytes);
            }
        }

        return hash.GetHashAndReset();
    }
}
