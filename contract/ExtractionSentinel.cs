using System.Text.Json;

namespace SpeechPairs.Contract;

/// <summary>
/// The file an extraction leaves behind when it finished: which archive (size and modification time)
/// it came from and how many files it wrote. The same archive is not extracted again.
/// </summary>
public sealed record ExtractionSentinel(string Archive, long Size, DateTime LastWriteUtc, int Files, string Extractor)
{
    public const string FileName = ".speechpairs-extracted.json";

    public static ExtractionSentinel For(string archive, int files, string extractor)
    {
        var info = new FileInfo(archive);
        return new ExtractionSentinel(info.FullName, info.Length, info.LastWriteTimeUtc, files, extractor);
    }

    /// <summary>True when the archive still has the size and modification time recorded here.</summary>
    public bool Matches(string archive)
    {
        var info = new FileInfo(archive);
        return info.Exists && info.Length == Size && info.LastWriteTimeUtc == LastWriteUtc;
    }

    public static ExtractionSentinel? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ExtractionSentinel>(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null; // unreadable: treat as absent and extract again
        }
    }

    public void Write(string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
}
