using System.IO.Compression;
using System.Text;

namespace SpeechPairs.Worker.Output;

/// <summary>One line of a JSONL file.</summary>
/// <param name="Number">1-based line number.</param>
/// <param name="Json">The line's text (without its newline).</param>
/// <param name="Terminated">False for a last line without a newline: a torn write.</param>
public sealed record JsonlLine(long Number, string Json, bool Terminated);

/// <summary>A JSONL file cannot be read to its end (damaged gzip data, bytes that are not UTF-8, an I/O error).</summary>
public sealed class JsonlReadException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Reads a JSONL file line by line, plain or gzip (every concatenated member) as the caller says: the format comes
/// from the file's role in the contract (<see cref="Contract.OutputFormats"/>, <see cref="Contract.ShardFiles"/>), never
/// from its bytes. Lines split at line feeds only; JSON lines hold no raw CR (it is escaped).
/// </summary>
public static class JsonlReader
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="JsonlReadException">The file cannot be opened, ends in damaged compressed data or holds bytes that are not UTF-8.</exception>
    public static IEnumerable<JsonlLine> Read(string path, bool gzip)
    {
        using var file = OpenFile(path);
        using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        var buffer = new byte[1 << 16];
        var pending = new MemoryStream();
        long number = 0;
        while (true)
        {
            int read;
            try
            {
                read = stream.Read(buffer);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new JsonlReadException($"{path}: cannot read past line {number}: {e.Message}", e);
            }

            if (read == 0)
                break;
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0)
            {
                pending.Write(buffer, start, newline - start);
                yield return new JsonlLine(++number, Decode(pending, path, number), Terminated: true);
                pending.SetLength(0);
                start = newline + 1;
            }

            pending.Write(buffer, start, read - start);
        }

        if (pending.Length > 0)
            yield return new JsonlLine(++number, Decode(pending, path, number), Terminated: false);
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JsonlReadException($"cannot open {path}: {e.Message}", e);
        }
    }

    private static string Decode(MemoryStream line, string path, long number)
    {
        try
        {
            return StrictUtf8.GetString(line.GetBuffer(), 0, (int)line.Length);
        }
        catch (DecoderFallbackException e)
        {
            throw new JsonlReadException($"{path}: line {number} is not UTF-8", e);
        }
    }
}
