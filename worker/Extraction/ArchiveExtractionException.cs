namespace SpeechPairs.Worker.Extraction;

/// <summary>An archive could not be extracted; the message names the archive and is shown to the user as is.</summary>
internal sealed class ArchiveExtractionException(string message) : Exception(message)
{
    /// <summary>The refusal of a password-protected archive (its entries or its headers), the same for both extractors.</summary>
    public static ArchiveExtractionException Encrypted(string archive) => new(
        $"'{archive}' is encrypted (password-protected); SpeechPairs does not take passwords: extract it yourself and use " +
        "-p:SkipExtract=true -p:ExtractDir=<the extracted folder>");
}
