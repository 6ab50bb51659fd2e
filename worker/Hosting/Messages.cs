namespace SpeechPairs.Worker.Hosting;

/// <summary>Shapes exception messages for one-line reports.</summary>
internal static class Messages
{
    /// <summary>The first line of a message: stderr reports and error lines stay one line each.</summary>
    public static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? message : message[..end];
    }
}
