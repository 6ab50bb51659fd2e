namespace SpeechPairs.Worker.Extraction;

/// <summary>The archive formats both extractors read, told apart by their first bytes (<see cref="ArchiveSignature"/>).</summary>
internal enum ArchiveFormat
{
    SevenZip,
    Zip,
    Tar,
    /// <summary>A gzip-compressed tar (.tar.gz, .tgz).</summary>
    TarGzip,
}
