using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

/// <summary>
/// The production WAV reader (<see cref="TokenizerWavReader"/>), counting its reads per file: how the tests check that
/// each WAV is decoded once, its header read once, and a too-long clip never decoded.
/// </summary>
internal sealed class TestWavReader : IWavReader
{
    private readonly TokenizerWavReader _reader = new();
    private readonly Dictionary<string, int> _headerReads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _decodes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IReadOnlyDictionary<string, int> Decodes
    {
        get
        {
            lock (_gate)
                return new Dictionary<string, int>(_decodes);
        }
    }

    public IReadOnlyDictionary<string, int> HeaderReads
    {
        get
        {
            lock (_gate)
                return new Dictionary<string, int>(_headerReads);
        }
    }

    public WavHeader ReadHeader(string path)
    {
        Count(_headerReads, path);
        return _reader.ReadHeader(path);
    }

    public DecodedAudio Read(string path)
    {
        Count(_decodes, path);
        return _reader.Read(path);
    }

    private void Count(Dictionary<string, int> counts, string path)
    {
        lock (_gate)
            counts[path] = counts.GetValueOrDefault(path) + 1;
    }
}
