namespace SpeechPairs.Tokenizer.Audio;

/// <summary>A WAV file that cannot be decoded. The message always names the file and the reason.</summary>
public sealed class AudioFormatException : Exception
{
    public AudioFormatException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file that was refused.</summary>
    public string Path { get; }

    /// <summary>Why it was refused, without the path.</summary>
    public string Reason { get; }
}
