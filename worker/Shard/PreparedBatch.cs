using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Shard;

/// <summary>A clip ready for the tokenizer (transcript and audio), or the reason it cannot be one.</summary>
internal sealed record PreparedClip(ClipPair Pair, string? Text, DecodedAudio? Audio, string? Error)
{
    public static PreparedClip Failed(ClipPair pair, string error) => new(pair, null, null, error);

    /// <summary>
    /// For a clip over <see cref="Tokenizer.Vq0206Tokenizer.LongClipSeconds"/>: its header. Such a clip is not decoded
    /// here; the tokenizer reads it from its file part by part (<see cref="IClipTokenizer.TokenizeLong"/>).
    /// </summary>
    public WavHeader? Long { get; init; }

    /// <summary>Seconds of audio at the file's rate (0 for a clip that failed before decoding).</summary>
    public double Seconds => Audio?.DurationSeconds ?? Long?.DurationSeconds ?? 0;

    /// <summary>The file's own sample rate.</summary>
    public int SampleRate => Audio?.SampleRate ?? Long?.SampleRate ?? 0;
}

/// <summary>The unfinished clips of one planned batch, in shard order.</summary>
internal sealed record PreparedBatch(IReadOnlyList<PreparedClip> Clips)
{
    public double AudioSeconds => Clips.Sum(c => c.Seconds);
}
