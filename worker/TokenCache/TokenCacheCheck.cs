using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>The shard and merge commands' up-front check of <c>--token-cache</c>.</summary>
internal static class TokenCacheCheck
{
    /// <summary>
    /// Fails the command (exit 1, the check's message) when the path must not be used as a token cache. A file that
    /// cannot be read passes: the shard then reports and skips the cache, the merge reports that it did not update it.
    /// </summary>
    public static void BeforeWork(string cachePath)
    {
        try
        {
            TokenCacheFile.Check(cachePath);
        }
        catch (TokenCacheFileException e)
        {
            throw new WorkerFailureException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left to the reader or the writer, which say so and carry on without the cache.
        }
    }
}
