using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer.Bundle;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>The model files' read-ahead hint: it fills the page cache, and it never fails.</summary>
public sealed partial class ReadAheadTests : IDisposable
{
    private const int DontNeed = 4; // POSIX_FADV_DONTNEED
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void TheHintReadsAnEvictedFileIntoThePageCache()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the hint is posix_fadvise, Linux only");
        string path = Path.Combine(_temp.Path, "model.bin");
        var bytes = new byte[16 << 20];
        new Random(1).NextBytes(bytes);
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        using (var handle = File.OpenHandle(path))
            _ = PosixFadvise((int)handle.DangerousGetHandle(), 0, 0, DontNeed);
        Skip.If(ResidentFraction(path) > 0.5, "this filesystem keeps the file cached even when told it is not needed");

        ReadAhead.Hint(path);

        // The reads are submitted by the hint and complete on their own.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ResidentFraction(path) < 0.9 && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.True(ResidentFraction(path) >= 0.9, $"only {ResidentFraction(path):P0} of the file is in the page cache after the hint");
    }

    [SkippableFact]
    public void AMissingOrUnreadableFileIsNoError()
    {
        ReadAhead.Hint(Path.Combine(_temp.Path, "no such model.pt"));
        ReadAhead.Hint(_temp.Path);
        ReadAhead.Start(Path.Combine(_temp.Path, "missing.onnx"), _temp.Path);
    }

    // The share of the file's pages in the page cache (mincore over a read-only mapping).
    private static unsafe double ResidentFraction(string path)
    {
        long length = new FileInfo(path).Length;
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            long page = Environment.SystemPageSize;
            var pages = new byte[(length + page - 1) / page];
            // The view starts at the mapping's page-aligned base; PointerOffset is 0 for offset 0.
            fixed (byte* vector = pages)
                if (Mincore((nint)(start + view.PointerOffset), (nuint)length, vector) != 0)
                    throw new IOException($"mincore failed: errno {Marshal.GetLastPInvokeError()}");
            return pages.Count(p => (p & 1) != 0) / (double)pages.Length;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);

    [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
    private static unsafe partial int Mincore(nint address, nuint length, byte* vector);
}
