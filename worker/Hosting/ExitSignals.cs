using System.Runtime.InteropServices;

namespace SpeechPairs.Worker.Hosting;

/// <summary>
/// Turns Ctrl+C and SIGTERM into an orderly exit: <c>prepareExit</c> runs first (it waits for a batch being written,
/// so no gzip member is cut in half), then the process exits with 128 + the signal number. A second signal while that
/// waits falls through to the runtime's default handling, which ends the process at once.
/// </summary>
internal sealed class ExitSignals : IDisposable
{
    private readonly Action<string> _prepareExit;
    private readonly Action<int> _exit;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _exiting;

    /// <param name="prepareExit">Called once with the reason before the process exits.</param>
    /// <param name="exit">Ends the process (<see cref="ImmediateExit.Exit"/> in production).</param>
    public ExitSignals(Action<string> prepareExit, Action<int> exit)
    {
        _prepareExit = prepareExit;
        _exit = exit;
        foreach (var (signal, code) in new[] { (PosixSignal.SIGINT, ExitCodes.Interrupted), (PosixSignal.SIGTERM, ExitCodes.Terminated) })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    if (Volatile.Read(ref _exiting) != 0)
                        return;
                    context.Cancel = true;
                    Exit($"received {signal}", code);
                }));
            }
            catch (PlatformNotSupportedException)
            {
                // Not every platform maps every signal; those that exist still get the orderly exit.
            }
        }
    }

    /// <summary>Prepares and exits once; later calls (another signal, the parent watcher) return at once.</summary>
    public void Exit(string reason, int exitCode)
    {
        if (Interlocked.Exchange(ref _exiting, 1) != 0)
            return;
        _prepareExit(reason);
        _exit(exitCode);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
    }
}
