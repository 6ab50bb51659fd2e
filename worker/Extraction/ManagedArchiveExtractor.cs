using System.IO.Hashing;
using SharpCompress.Archives;
using SharpCompress.Common;
using SharpCompress.Common.SevenZip;
using SharpCompress.Readers;

namespace SpeechPairs.Worker.Extraction;

/// <summary>
/// Extracts with SharpCompress when no 7-Zip executable is available (about 1.4x slower, same bytes, same tree).
/// Streams the archive front to back: asking a solid archive for single entries decompresses everything before each
/// one again (seconds per entry). 7z goes through the archive API's solid reader, zip entry by entry (a zip's link flags
/// live in its central directory), tar and tar.gz through the reader API. A password-protected archive is refused: no
/// password is ever given, so SharpCompress throws its CryptographicException as soon as it meets encrypted headers or
/// data, and an entry marked encrypted is refused before it is written.
/// </summary>
internal sealed class ManagedArchiveExtractor : IArchiveExtractor
{
    private const int UnixFileTypeMask = 0xF000, UnixSymbolicLink = 0xA000;

    public string Name => "SharpCompress (managed)";

    public int Extract(string archive, ArchiveFormat format, string destination, SkippedEntries skipped, Action<string> log, CancellationToken cancellation)
    {
        try
        {
            using var file = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var options = new ReaderOptions { LeaveStreamOpen = true };
            if (format == ArchiveFormat.Zip)
            {
                // Not solid: entry by entry in stored order is one pass, and the central directory has the link flags.
                using IArchive zip = ArchiveFactory.OpenArchive(file, options);
                return ExtractAll(zip.Entries.Select(e => ((IEntry)e, (Action<Stream>)(target => CopyEntry(e, target)))),
                    format, archive, destination, skipped, cancellation);
            }
            using IArchive? sevenZip = format == ArchiveFormat.SevenZip ? ArchiveFactory.OpenArchive(file, options) : null;
            using IReader reader = sevenZip?.ExtractAllEntries() ?? ReaderFactory.OpenReader(file, options);
            using (cancellation.Register(reader.Cancel))
                return ExtractAll(Entries(reader), format, archive, destination, skipped, cancellation);
        }
        catch (SharpCompress.Common.CryptographicException)
        {
            throw ArchiveExtractionException.Encrypted(archive);
        }
        catch (Exception e) when (e is not (ArchiveExtractionException or OperationCanceledException))
        {
            if (cancellation.IsCancellationRequested)
                throw new OperationCanceledException(cancellation);
            throw new ArchiveExtractionException($"'{archive}' is damaged or not an archive SharpCompress can read: {e.Message}");
        }
    }

    private static IEnumerable<(IEntry Entry, Action<Stream> CopyTo)> Entries(IReader reader)
    {
        while (reader.MoveToNextEntry())
            yield return (reader.Entry, reader.WriteEntryTo);
    }

    private static void CopyEntry(IArchiveEntry entry, Stream target)
    {
        using Stream content = entry.OpenEntryStream();
        content.CopyTo(target, 1 << 16);
    }

    private static int ExtractAll(IEnumerable<(IEntry Entry, Action<Stream> CopyTo)> entries, ArchiveFormat format, string archive,
        string destination, SkippedEntries skipped, CancellationToken cancellation)
    {
        int extracted = 0;
        foreach ((IEntry entry, Action<Stream> copyTo) in entries)
        {
            cancellation.ThrowIfCancellationRequested();
            if (entry.IsDirectory || entry.Key is not string key || !ArchiveEntryPaths.IsWanted(key))
                continue;
            if (entry.IsEncrypted)
                throw ArchiveExtractionException.Encrypted(archive);
            string target = ArchiveEntryPaths.ResolveInside(destination, key)
                ?? throw new ArchiveExtractionException(
                    $"Refusing to extract '{archive}': its entry '{key}' would be written outside the extract folder.");
            if (IsLink(entry, format))
                skipped.AddLink(key);
            else if (ArchiveEntryPaths.HasTooLongName(key))
                skipped.AddTooLong(key);
            else
            {
                WriteEntry(entry, copyTo, target, checkCrc: format != ArchiveFormat.Tar && format != ArchiveFormat.TarGzip, archive);
                extracted++;
            }
        }
        cancellation.ThrowIfCancellationRequested();
        return extracted;
    }

    // Tar links carry their target (tar entries have no attributes); zip keeps the Unix mode in the upper 16 bits of its
    // attributes, 7z in the upper 16 bits of what SharpCompress calls the extended attributes.
    private static bool IsLink(IEntry entry, ArchiveFormat format) => format switch
    {
        ArchiveFormat.Tar or ArchiveFormat.TarGzip => !string.IsNullOrEmpty(entry.LinkTarget),
        ArchiveFormat.SevenZip => entry is SevenZipEntry { ExtendedAttrib: int extended } && IsUnixLink(extended),
        _ => entry.Attrib is int attributes && IsUnixLink(attributes),
    };

    private static bool IsUnixLink(int attributes) => ((attributes >>> 16) & UnixFileTypeMask) == UnixSymbolicLink;

    private static void WriteEntry(IEntry entry, Action<Stream> copyTo, string target, bool checkCrc, string archive)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var crc = new Crc32();
        using (var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var checksummed = new ChecksummingStream(file, crc))
            copyTo(checksummed);

        // SharpCompress does not always notice damaged data, 7-Zip does: compare with the stored CRC.
        if (checkCrc && entry.Crc != 0 && (uint)entry.Crc != crc.GetCurrentHashAsUInt32())
            throw new ArchiveExtractionException(
                $"'{archive}' is damaged: entry '{entry.Key}' fails its CRC check (stored {(uint)entry.Crc:X8}, extracted {crc.GetCurrentHashAsUInt32():X8}).");
        if (entry.LastModifiedTime is DateTime modified)
            File.SetLastWriteTime(target, modified);
    }
}
