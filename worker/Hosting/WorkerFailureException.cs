using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Hosting;

/// <summary>The shard (or the tokenize command) cannot run at all; the worker exits with <see cref="ExitCodes.Failed"/>.</summary>
/// <remarks>The message is the one line printed on stderr, so it must say what and where without a stack trace.</remarks>
public sealed class WorkerFailureException(string message, Exception? inner = null) : Exception(message, inner);
