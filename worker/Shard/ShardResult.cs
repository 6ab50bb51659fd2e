using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Progress;

namespace SpeechPairs.Worker.Shard;

/// <summary>How a shard run ended (a shard that could not run throws <see cref="WorkerFailureException"/> instead).</summary>
/// <param name="AlreadyDone">The done marker of an earlier run was found; nothing was touched.</param>
/// <param name="Progress">The final counts; null when <paramref name="AlreadyDone"/>.</param>
public sealed record ShardResult(bool AlreadyDone, ProgressSnapshot? Progress);
