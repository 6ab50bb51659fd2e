namespace SpeechPairs.Pipeline.Tests;

/// <summary>A fresh folder under the system temp folder, deleted on dispose. Its name has a space and Chinese on purpose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"speechpairs 测试 {Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a process the test started may still hold a file for a moment
    }
}
