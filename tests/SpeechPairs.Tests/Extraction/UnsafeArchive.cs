using System.Buffers.Binary;
using System.Text;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Extraction;

namespace SpeechPairs.Tests.Extraction;

/// <summary>
/// Makes archives whose entry names escape the extract folder ("../x.wav", "/abs/x.wav"). 7-Zip will not
/// create those, so a normal archive with uncompressed headers gets one name replaced by another of the
/// same length, and the header checksums are recomputed.
/// </summary>
internal static class UnsafeArchive
{
    /// <param name="evilName">The entry name to end up in the archive; a harmless name of the same length is packed first.</param>
    public static void Create(string archive, string evilName, string scratch)
    {
        string harmless = "d/" + new string('x', evilName.Length - "d/".Length - ".wav".Length) + ".wav";
        string staging = Path.Combine(scratch, "staging-unsafe");
        Directory.CreateDirectory(Path.Combine(staging, "d"));
        TestWav.Write(Path.Combine(staging, harmless), 0.05, seed: 1);
        File.WriteAllText(Path.Combine(staging, "d", "fine.lab"), "fine");
        TestArchives.Pack(staging, archive, ArchiveFormat.SevenZip, "-ms=on", "-mhc=off"); // uncompressed headers: names can be patched in place

        byte[] bytes = File.ReadAllBytes(archive);
        byte[] from = Encoding.Unicode.GetBytes(harmless), to = Encoding.Unicode.GetBytes(evilName);
        int at = bytes.AsSpan().IndexOf(from);
        Assert.True(at > 0, "entry name not found in the archive's header");
        to.CopyTo(bytes, at);

        // Signature header: StartHeaderCRC (offset 8) covers the 20 bytes from 12; NextHeaderCRC (offset 28) the header itself.
        long nextHeaderOffset = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        long nextHeaderSize = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(20));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), Crc(bytes.AsSpan(32 + (int)nextHeaderOffset, (int)nextHeaderSize)));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Crc(bytes.AsSpan(12, 20)));
        File.WriteAllBytes(archive, bytes);
    }

    private static uint Crc(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
