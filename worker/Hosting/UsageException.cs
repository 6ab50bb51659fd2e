using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Hosting;

/// <summary>The command line asks for something impossible; the worker exits with <see cref="ExitCodes.Usage"/>.</summary>
public sealed class UsageException(string message) : Exception(message);
