using SpeechPairs.Contract;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Shard;

/// <summary>Everything the <c>shard</c> command decided, validated.</summary>
/// <param name="ExtractDir">Root of the extracted archive.</param>
/// <param name="Files">The shard's output and its companion files.</param>
/// <param name="Shard">Which pairs this worker takes.</param>
/// <param name="Resume">Continue the existing output instead of starting over.</param>
/// <param name="UseDoneMarker">Write the done record at the end, and with <paramref name="Resume"/> stop at once when one with the same
/// <paramref name="SettingsHash"/> exists.</param>
/// <param name="ExcludePlaceholder">Drop pairs under the <see cref="PairFinder.PlaceholderFolder"/> folder.</param>
/// <param name="MaxDurationSeconds">Longer clips (by their header) become errors; null for no limit.</param>
/// <param name="BatchSeconds">Audio per tokenizer call.</param>
/// <param name="ProgressInterval">How often progress is reported.</param>
/// <param name="SettingsHash">Hash of every setting that decides the shard's bytes (<see cref="ShardSettings"/>).</param>
public sealed record ShardJob(
    string ExtractDir,
    ShardFiles Files,
    ShardSelection Shard,
    bool Resume,
    bool UseDoneMarker,
    bool ExcludePlaceholder,
    double? MaxDurationSeconds,
    double BatchSeconds,
    TimeSpan ProgressInterval,
    string SettingsHash = "");
