using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>Extracts the wanted entries (<see cref="ArchiveEntryPaths.IsWanted"/>) of an archive in one sequential pass.</summary>
internal interface IArchiveExtractor
{
    /// <summary>Shown in the build log, e.g. "7-Zip (/usr/bin/7zz)".</summary>
    string Name { get; }

    /// <summary>
    /// Extracts into <paramref name="destination"/> and returns how many files the archive says it holds
    /// for us. Refuses, before writing anything, an archive with an entry that would escape the folder.
    /// </summary>
    /// <exception cref="ArchiveExtractionException">The archive is damaged, unreadable or unsafe.</exception>
    int Extract(string archive, string destination, TaskLoggingHelper log, CancellationToken cancellation);
}
