namespace SpeechPairs.Worker.Merge;

/// <summary>
/// Merges records that are each sorted by <c>rel_wav</c> (ordinal) into one sequence in that order: the global pair
/// order. Shard i holds the pairs at positions i mod N, so merging by the pair's own key gives the same sequence for
/// every shard count. Equal keys (which pairing never produces) keep shard order, so the result is still defined.
/// </summary>
internal static class OrderedMerge
{
    /// <param name="relWav">The key of an item.</param>
    /// <param name="outOfOrder">The failure for an item of source i that comes before the one it follows.</param>
    public static IEnumerable<T> ByRelWav<T>(IReadOnlyList<IEnumerable<T>> sources, Func<T, string> relWav, Func<int, T, Exception> outOfOrder)
    {
        var readers = sources.Select(s => s.GetEnumerator()).ToArray();
        try
        {
            var queue = new PriorityQueue<(int Source, T Item), (string Key, int Source)>(
                Comparer<(string Key, int Source)>.Create((a, b) =>
                {
                    var byKey = string.CompareOrdinal(a.Key, b.Key);
                    return byKey != 0 ? byKey : a.Source.CompareTo(b.Source);
                }));
            string?[] lastKey = new string?[readers.Length];

            void Advance(int source)
            {
                if (!readers[source].MoveNext())
                    return;
                var item = readers[source].Current;
                var key = relWav(item);
                if (lastKey[source] is { } previous && string.CompareOrdinal(previous, key) > 0)
                    throw outOfOrder(source, item);
                lastKey[source] = key;
                queue.Enqueue((source, item), (key, source));
            }

            for (var i = 0; i < readers.Length; i++)
                Advance(i);
            while (queue.TryDequeue(out var entry, out _))
            {
                yield return entry.Item;
                Advance(entry.Source);
            }
        }
        finally
        {
            foreach (var reader in readers)
                reader.Dispose();
        }
    }
}
