using System.Text;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// A JSONL(.gz) file that grows by whole batches: each append is one write (a complete gzip member when compressed)
/// followed by an fsync, so a killed process loses at most the batch in flight and never leaves a half-written line that
/// resume would keep. The file is held open exclusively, so two workers cannot write the same shard.
/// </summary>
internal sealed class JsonlFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly bool _gzip;

    private JsonlFile(FileStream stream, bool gzip)
    {
        _stream = stream;
        _gzip = gzip;
    }

    public string Path => _stream.Name;

    /// <summary>Opens the file emptied (created if absent).</summary>
    public static JsonlFile OpenEmpty(string path, bool gzip)
    {
        var file = new JsonlFile(Open(path), gzip);
        file._stream.SetLength(0);
        file._stream.Flush(flushToDisk: true);
        return file;
    }

    /// <summary>Opens the file to continue it: keeps every complete line (or member), cuts off a torn end.</summary>
    public static JsonlFile OpenToContinue(string path, bool gzip, ShardLineReader readLine, out RecoveredLines recovered, out long droppedBytes)
    {
        var file = new JsonlFile(Open(path), gzip);
        try
        {
            var stream = file._stream;
            stream.Position = 0;
            recovered = gzip ? JsonlRecovery.RecoverGzip(stream, readLine) : JsonlRecovery.RecoverPlain(stream, readLine);
            droppedBytes = stream.Length - recovered.GoodLength;
            if (droppedBytes > 0)
            {
                stream.SetLength(recovered.GoodLength);
                stream.Flush(flushToDisk: true);
            }

            stream.Position = recovered.GoodLength;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Appends the lines (each gets a newline) as one write and makes them durable; nothing to write, nothing written.</summary>
    public void Append(IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
            return;
        var text = new StringBuilder();
        foreach (var line in lines)
            text.Append(line).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        _stream.Write(_gzip ? GzipMember.Encode(bytes) : bytes);
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();

    private static FileStream Open(string path) =>
        // Unbuffered: every Append is already one whole write.
        new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
}
