using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

/// <summary>
/// Deterministic test double for the vq0206 tokenizer: tokens follow from a clip's own samples only (as the real
/// tokenizer guarantees), one group per 0.1 s, none below 0.1 s. Special first samples make it fail.
/// </summary>
internal sealed class FakeClipTokenizer : TestTokenizer
{
    /// <summary>A clip starting with this int16 sample makes the whole batch call throw (the tokenizer failing, not a clip).</summary>
    public const short ThrowMarker = 12345;

    /// <summary>A clip starting with this int16 sample gets a failed outcome.</summary>
    public const short FailMarker = 23456;

    public List<IReadOnlyList<DecodedAudio>> Batches { get; } = [];

    public bool Disposed { get; private set; }

    public override IReadOnlyList<ClipOutcome> TokenizeBatch(IReadOnlyList<DecodedAudio> clips)
    {
        Batches.Add(clips.ToList());
        if (clips.Any(c => FirstSample(c) == ThrowMarker))
            throw new InvalidOperationException("the model blew up\nsecond line of the message");
        return clips.Select(Tokenize).ToList();
    }

    public static ClipOutcome Tokenize(DecodedAudio clip)
    {
        if (FirstSample(clip) == FailMarker)
            return new ClipOutcome(null, "model failure on this clip");
        var hash = 2166136261u;
        foreach (var sample in clip.Samples)
            hash = (hash ^ (uint)BitConverter.SingleToInt32Bits(sample)) * 16777619u;
        var groups = (int)(clip.DurationSeconds * 10);
        var vq02 = Enumerable.Range(0, groups * 2).Select(i => (int)((hash + (uint)i * 2654435761u) % 1024)).ToArray();
        var vq06 = Enumerable.Range(0, groups * 3).Select(i => (int)((hash ^ (uint)i * 40503u) % 4096)).ToArray();
        var tokens = new System.Text.StringBuilder();
        for (var g = 0; g < groups; g++)
        {
            tokens.Append($"<audio_{vq02[2 * g]}><audio_{vq02[2 * g + 1]}>");
            for (var k = 0; k < 3; k++)
                tokens.Append($"<audio_{vq06[3 * g + k] + 1024}>");
        }

        return new ClipOutcome(new ClipTokens(vq02, vq06, tokens.ToString()), null);
    }

    public override void Dispose() => Disposed = true;

    private static int FirstSample(DecodedAudio clip) =>
        clip.Samples.Length == 0 ? int.MinValue : (int)Math.Round(clip.Samples[0] * 32768);
}
