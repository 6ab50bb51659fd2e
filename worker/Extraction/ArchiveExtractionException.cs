namespace SpeechPairs.Worker.Extraction;

/// <summary>An archive could not be extracted; the message names the archive and is shown to the user as is.</summary>
internal sealed class ArchiveExtractionException(string message) : Exception(message);
