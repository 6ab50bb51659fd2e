using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary>What the commands take from the process: services, environment, console and exit. Tests substitute all of it.</summary>
internal sealed class WorkerContext
{
    public required Func<WorkerServices> Services { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public required TextWriter Output { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Ends the process when a stopped command does not return in time (<see cref="ProcessHost"/>).</summary>
    public Action<int> ExitProcess { get; init; } = ImmediateExit.Exit;

    public Func<int, bool> IsProcessAlive { get; init; } = ParentProcessWatcher.IsProcessAlive;

    /// <summary>Runs a command body and maps its failure to an exit code and one line on stderr (never a stack trace).</summary>
    public int Run(string commandName, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            return Fail(commandName, e);
        }
    }

    /// <summary>
    /// Runs a long-running command under the <see cref="ProcessHost"/>: Ctrl+C, SIGTERM and the exit of the process
    /// <paramref name="parentId"/> names cancel the token the body gets, and decide the exit code.
    /// </summary>
    /// <param name="parentId">The <c>--parent-pid</c>, or null (a bad one is a usage error).</param>
    /// <param name="unwind">How long the body may take to return once stopped before the process ends at once.</param>
    public int RunHosted(string commandName, Func<int?> parentId, TimeSpan unwind, Func<CancellationToken, int> body)
    {
        int? parent;
        try
        {
            parent = parentId();
        }
        catch (UsageException e)
        {
            return Fail(commandName, e);
        }
        using var host = new ProcessHost(commandName, this, parent, unwind);
        return host.Run(body);
    }

    /// <summary>
    /// A long-running command with nothing to unwind (merge, verify, report, parity): once stopped, the process ends at
    /// once with the stop's exit code. A killed merge is repaired by the next one; the others write nothing partial.
    /// </summary>
    public int RunHosted(string commandName, Func<int> body) => RunHosted(commandName, () => null, TimeSpan.Zero, _ => body());

    /// <summary>The exit code of a failed command, its one line written on stderr.</summary>
    public int Fail(string commandName, Exception failure)
    {
        switch (failure)
        {
            case UsageException e:
                Error.WriteLine($"worker {commandName}: {e.Message} (see --help)");
                return ExitCodes.Usage;
            case WorkerFailureException or ChildInterruptedException:
                Error.WriteLine($"worker {commandName}: {Messages.FirstLine(failure.Message)}");
                return ExitCodes.Failed;
            default:
                Error.WriteLine($"worker {commandName}: unexpected {failure.GetType().Name}: {Messages.FirstLine(failure.Message)}");
                return ExitCodes.Failed;
        }
    }
}
