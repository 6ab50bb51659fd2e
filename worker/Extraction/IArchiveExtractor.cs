namespace SpeechPairs.Worker.Extraction;

/// <summary>Extracts the wanted entries (<see cref="ArchiveEntryPaths.IsWanted"/>) of an archive, reading each solid block once.</summary>
internal interface IArchiveExtractor
{
    /// <summary>Shown in the log, e.g. "7-Zip (/usr/bin/7zz)".</summary>
    string Name { get; }

    /// <summary>
    /// Extracts into <paramref name="destination"/> (a fresh folder that is thrown away on failure) and returns how
    /// many files it extracted. Links and too-long names are not extracted but added to <paramref name="skipped"/>.
    /// </summary>
    /// <exception cref="ArchiveExtractionException">The archive is damaged, unreadable or has an entry that would escape the folder.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; any 7-Zip process is gone before this is thrown.</exception>
    int Extract(string archive, ArchiveFormat format, string destination, SkippedEntries skipped, Action<string> log, CancellationToken cancellation);
}
