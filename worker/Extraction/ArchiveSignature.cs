using System.IO.Compression;

namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// Identifies an archive by its content, never its extension: a zip named .7z must extract the same with
/// 7-Zip and SharpCompress, and each is told which format to read instead of guessing.
/// </summary>
internal static class ArchiveSignature
{
    private const int TarMagicOffset = 257; // "ustar" in the first header block (POSIX and GNU tar)

    public static ArchiveFormat Detect(string archive)
    {
        using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> head = stackalloc byte[512];
        int read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];

        if (head.StartsWith((ReadOnlySpan<byte>)[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]))
            return ArchiveFormat.SevenZip;
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
            return ArchiveFormat.Zip;
        if (IsTarHeader(head))
            return ArchiveFormat.Tar;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]) && IsGzippedTar(file))
            return ArchiveFormat.TarGzip;
        throw new ArchiveExtractionException(
            $"'{archive}' is not a 7z, zip, tar or tar.gz archive (judged by its content, not its name).");
    }

    private static bool IsTarHeader(ReadOnlySpan<byte> block) =>
        block.Length >= TarMagicOffset + 5 && block.Slice(TarMagicOffset, 5).SequenceEqual("ustar"u8);

    private static bool IsGzippedTar(FileStream file)
    {
        file.Position = 0;
        try
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
            var block = new byte[512];
            int read = gzip.ReadAtLeast(block, block.Length, throwOnEndOfStream: false);
            return IsTarHeader(block.AsSpan(0, read));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
