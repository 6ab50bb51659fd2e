using System.Runtime.InteropServices;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Commands;

namespace SpeechPairs.Worker.Hosting;

/// <summary>Why a hosted command was stopped, and the exit code <see cref="ExitCodes"/> gives that.</summary>
internal sealed record StopReason(int ExitCode, string Text)
{
    public static readonly StopReason Interrupt = new(ExitCodes.Interrupted, "Ctrl+C (SIGINT)");

    public static readonly StopReason Terminate = new(ExitCodes.Terminated, "SIGTERM");

    public static StopReason ParentGone(int parentId) => new(ExitCodes.ParentExited, $"the exit of its parent process {parentId}");
}

/// <summary>
/// The one process host of the long-running commands (extract, shard, merge, verify, report, parity, slurm run).
/// SIGINT, SIGTERM and the loss of the <c>--parent-pid</c> process become one cancellation, <see cref="Stopping"/>; the
/// command then exits with the stop's code and one line saying so, whatever its body made of being stopped: a stop wins
/// over the failure it causes (7-Zip's "Break signaled" after a terminal's Ctrl+C reached it too, a killed child).
/// </summary>
/// <remarks>
/// Work that must not be cut (a batch being written, 7-Zip to be killed) registers on <see cref="Stopping"/>: those
/// callbacks run before anything else. The body then has <c>unwind</c> to return (removing its staging folder, cancelling
/// its Slurm jobs); after that the process ends at once (<see cref="ImmediateExit"/>), since native tokenizer work may
/// still run on other threads. A second signal while it unwinds gets the runtime's default: the process ends at once.
/// </remarks>
internal sealed class ProcessHost : IDisposable
{
    // A child stopped by a signal (7-Zip's "Break signaled") most likely got the terminal's Ctrl+C together with this
    // process: its own signal is on its way and decides the exit code.
    private static readonly TimeSpan ChildSignalWait = TimeSpan.FromSeconds(2);

    private readonly string _command;
    private readonly WorkerContext _context;
    private readonly TimeSpan _unwind;
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _stopped = new();
    private readonly ManualResetEventSlim _bodyDone = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly ParentProcessWatcher? _watcher;
    private StopReason? _reason;
    private int _reported;

    /// <param name="command">How messages name the command, e.g. <c>extract</c>.</param>
    /// <param name="parentId">The process whose exit stops the command (<c>--parent-pid</c>), or null.</param>
    /// <param name="unwind">How long the body may take to return once stopped.</param>
    public ProcessHost(string command, WorkerContext context, int? parentId, TimeSpan unwind)
    {
        _command = command;
        _context = context;
        _unwind = unwind;
        foreach (var (signal, reason) in new[] { (PosixSignal.SIGINT, StopReason.Interrupt), (PosixSignal.SIGTERM, StopReason.Terminate) })
        {
            try
            {
                _signals.Add(PosixSignalRegistration.Create(signal, c =>
                {
                    // The first signal is ours to handle; a later one ends the process the default way.
                    if (Volatile.Read(ref _reason) is null)
                        c.Cancel = true;
                    Stop(reason);
                }));
            }
            catch (PlatformNotSupportedException)
            {
                // Not every platform maps every signal; those that exist still stop the command.
            }
        }
        if (parentId is { } pid)
            _watcher = new ParentProcessWatcher(pid, TimeSpan.FromSeconds(1), context.IsProcessAlive, () => Stop(StopReason.ParentGone(pid)));
    }

    /// <summary>Cancelled once, on the first stop.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>The first stop, or null.</summary>
    public StopReason? Reason => Volatile.Read(ref _reason);

    /// <summary>Runs the body; returns its exit code, or the stop's, or the failure's (one line on stderr, never a stack trace).</summary>
    public int Run(Func<CancellationToken, int> body)
    {
        int code;
        Exception? failure = null;
        try
        {
            code = body(Stopping);
        }
        catch (Exception e)
        {
            code = ExitCodes.Failed;
            failure = e;
        }
        if (failure is ChildInterruptedException && Reason is null)
            _stopped.Wait(ChildSignalWait);
        _bodyDone.Set();
        if (Reason is { } reason)
        {
            _stopped.Wait(); // the stop callbacks have run
            Report(reason);
            return reason.ExitCode;
        }
        return failure is null ? code : _context.Fail(_command, failure);
    }

    /// <summary>Stops the command once (signals and the parent watcher call it; later calls return at once).</summary>
    public void Stop(StopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, reason, null) is not null)
            return;
        // Off the signal thread: a second signal must still be delivered while this one unwinds.
        new Thread(() =>
        {
            try
            {
                _stop.Cancel();
            }
            finally
            {
                _stopped.Set();
            }
            if (!_bodyDone.Wait(_unwind))
            {
                Report(reason);
                _context.ExitProcess(reason.ExitCode);
            }
        }) { IsBackground = true, Name = "stop " + _command }.Start();
    }

    private void Report(StopReason reason)
    {
        if (Interlocked.Exchange(ref _reported, 1) == 0)
            _context.Error.WriteLine($"worker {_command}: stopped by {reason.Text} (exit code {reason.ExitCode})");
    }

    public void Dispose()
    {
        foreach (var registration in _signals)
            registration.Dispose();
        _watcher?.Dispose();
    }
}

/// <summary>
/// A child process was stopped by a signal rather than failing on its own (7-Zip's "Break signaled"): when this process
/// is being stopped too, the stop decides the exit code (<see cref="ProcessHost"/>); otherwise it is a failure.
/// </summary>
internal sealed class ChildInterruptedException(string message) : Exception(message);
