using System.ComponentModel;
using System.Diagnostics;

namespace SpeechPairs.Worker.Hosting;

/// <summary>
/// Checks about once a second that the launching process still exists and calls back once when it is gone, so a
/// worker whose MSBuild parent was killed does not run on as an orphan.
/// </summary>
internal sealed class ParentProcessWatcher : IDisposable
{
    private readonly int _parentId;
    private readonly Func<int, bool> _isAlive;
    private readonly Action _onParentGone;
    private readonly Timer _timer;
    private int _reported;

    /// <param name="isAlive">Whether a process id is running (<see cref="IsProcessAlive"/> in production).</param>
    public ParentProcessWatcher(int parentId, TimeSpan interval, Func<int, bool> isAlive, Action onParentGone)
    {
        _parentId = parentId;
        _isAlive = isAlive;
        _onParentGone = onParentGone;
        // The first check runs at once: a parent that died before this process started counts too.
        _timer = new Timer(_ => Check(), null, TimeSpan.Zero, interval);
    }

    /// <summary>Whether the process exists (Linux, macOS, Windows). A process we may not inspect counts as alive.</summary>
    public static bool IsProcessAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false; // exited between the lookup and the check
        }
        catch (Win32Exception)
        {
            return true; // exists, but belongs to someone we may not query
        }
        catch (NotSupportedException)
        {
            return true;
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        if (Volatile.Read(ref _reported) != 0 || _isAlive(_parentId))
            return;
        if (Interlocked.Exchange(ref _reported, 1) == 0)
            _onParentGone();
    }
}
