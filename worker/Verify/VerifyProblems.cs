using System.Globalization;
using System.Text;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Verify;

/// <summary>The problems verify found: a count per kind and the first examples of each, with the clip or file they concern.</summary>
public sealed class VerifyProblems(int examplesPerKind)
{
    public const string Missing = "missing";
    public const string DuplicateId = "duplicate id";
    public const string RecordAndError = "record and error";
    public const string UnknownId = "unknown id";
    public const string Unparsable = "unparsable line";
    public const string Keys = "keys";
    public const string Order = "order";
    public const string Files = "rel_wav/rel_lab";
    public const string SampleRate = "sr";
    public const string Text = "text";
    public const string Tokens = "tokens";
    public const string TokenCount = "token count";
    public const string Excluded = "excluded";
    public const string Torn = "torn";
    public const string Shard = "shard";
    public const string Unreadable = "unreadable";
    public const string IdCollision = ErrorKinds.IdCollision;

    private readonly SortedDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _examples = new(StringComparer.Ordinal);

    public bool Any => _counts.Count > 0;

    public IReadOnlyDictionary<string, long> Counts => _counts;

    public IReadOnlyList<string> ExamplesOf(string kind) => _examples.TryGetValue(kind, out var list) ? list : [];

    /// <param name="subject">The clip id, or the file and line, the problem is about.</param>
    public void Add(string kind, string subject, string detail)
    {
        _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
        if (!_examples.TryGetValue(kind, out var list))
            _examples[kind] = list = [];
        if (list.Count < examplesPerKind)
            list.Add($"{subject}: {detail}");
    }

    /// <summary>One line per kind, most frequent first, each followed by its examples.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var (kind, count) in _counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {kind}: {count}\n");
            foreach (var example in ExamplesOf(kind))
                text.Append("    ").Append(example).Append('\n');
        }

        return text.ToString();
    }
}
