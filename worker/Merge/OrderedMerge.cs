namespace SpeechPairs.Worker.Merge;

/// <summary>
/// Merges lines that are each sorted by <c>rel_wav</c> (ordinal) into one sequence in that order: the global pair
/// order. Shard i holds the pairs at positions i mod N, so merging by the pair's own key gives the same sequence for
/// every shard count. Equal keys (which pairing never produces) keep shard order, so the result is still defined.
/// </summary>
internal static class OrderedMerge
{
    public static IEnumerable<string> ByRelWav(IReadOnlyList<IEnumerable<string>> sources, Func<int, string, Exception> badLine)
    {
        var readers = sources.Select(s => s.GetEnumerator()).ToArray();
        try
        {
            var queue = new PriorityQueue<(int Source, string Line), (string Key, int Source)>(
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
                var line = readers[source].Current;
                var key = JsonLines.StringField(line, "rel_wav"u8) ?? throw badLine(source, line);
                if (lastKey[source] is { } previous && string.CompareOrdinal(previous, key) > 0)
                    throw badLine(source, line);
                lastKey[source] = key;
                queue.Enqueue((source, line), (key, source));
            }

            for (var i = 0; i < readers.Length; i++)
                Advance(i);
            while (queue.TryDequeue(out var item, out _))
            {
                yield return item.Line;
                Advance(item.Source);
            }
        }
        finally
        {
            foreach (var reader in readers)
                reader.Dispose();
        }
    }
}
