using System.IO.Compression;
using System.Text;

namespace SpeechPairs.Worker.Verify;

/// <summary>One line of the merged output.</summary>
/// <param name="Number">1-based line number.</param>
/// <param name="Json">The line's JSON text (without its newline).</param>
/// <param name="Terminated">False for a last line without a newline: a torn write.</param>
public sealed record MergedLine(long Number, string Json, bool Terminated);

/// <summary>The merged output file cannot be read to its end (damaged gzip data, an I/O error).</summary>
public sealed class MergedFileException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Reads the merged output line by line: <c>.jsonl</c>, <c>.jsonl.gz</c> (one or many gzip members) or <c>.parquet</c>. Every reader of
/// merged lines (verify, report) goes through here, so another format (e.g. Parquet) is added in this one place.
/// </summary>
public static class MergedPairs
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="MergedFileException">The file ends in damaged compressed data or cannot be read.</exception>
    public static IEnumerable<MergedLine> Read(string path)
    {
        if (Output.MergedPairs.IsParquet(path))
        {
            // Parquet rows come back as their exact JSONL lines; a Parquet file is whole or unreadable, never torn.
            long row = 0;
            foreach (var line in Output.MergedPairs.ReadLines(path))
                yield return new MergedLine(++row, line, Terminated: true);
            yield break;
        }

        using var file = OpenFile(path);
        using var stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : (Stream)file;
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
                throw new MergedFileException($"{path}: cannot read past line {number}: {e.Message}", e);
            }

            if (read == 0)
                break;
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, read - start)) >= 0)
            {
                pending.Write(buffer, start, newline - start);
                yield return new MergedLine(++number, Decode(pending, path, number), Terminated: true);
                pending.SetLength(0);
                start = newline + 1;
            }

            pending.Write(buffer, start, read - start);
        }

        if (pending.Length > 0)
            yield return new MergedLine(++number, Decode(pending, path, number), Terminated: false);
    }

    private static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MergedFileException($"cannot open {path}: {e.Message}", e);
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
            throw new MergedFileException($"{path}: line {number} is not UTF-8", e);
        }
    }
}
