using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary>What the commands take from the process: services, environment, console and exit. Tests substitute all of it.</summary>
internal sealed class WorkerContext
{
    public required Func<WorkerServices> Services { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public required TextWriter Output { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Ends the process after a signal or the parent's exit.</summary>
    public Action<int> ExitProcess { get; init; } = ImmediateExit.Exit;

    public Func<int, bool> IsProcessAlive { get; init; } = ParentProcessWatcher.IsProcessAlive;

    /// <summary>Runs a command body and maps its failure to an exit code and one line on stderr (never a stack trace).</summary>
    public int Run(string commandName, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            Error.WriteLine($"worker {commandName}: {e.Message} (see --help)");
            return ExitCodes.Usage;
        }
        catch (WorkerFailureException e)
        {
            Error.WriteLine($"worker {commandName}: {Messages.FirstLine(e.Message)}");
            return ExitCodes.Failed;
        }
        catch (Exception e)
        {
            Error.WriteLine($"worker {commandName}: unexpected {e.GetType().Name}: {Messages.FirstLine(e.Message)}");
            return ExitCodes.Failed;
        }
    }
}
