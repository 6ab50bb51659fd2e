using SpeechPairs.Tokenizer.Audio;

namespace SpeechPairs.Worker;

/// <summary>A clip ready for the tokenizer (transcript and audio), or the reason it cannot be one.</summary>
internal sealed record PreparedClip(ClipPair Pair, string? Text, DecodedAudio? Audio, string? Error)
{
    public static PreparedClip Failed(ClipPair pair, string error) => new(pair, null, null, error);
}

/// <summary>The unfinished clips of one planned batch, in shard order.</summary>
internal sealed record PreparedBatch(IReadOnlyList<PreparedClip> Clips)
{
    public double AudioSeconds => Clips.Sum(c => c.Audio?.DurationSeconds ?? 0);
}
