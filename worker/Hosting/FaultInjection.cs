using System.Diagnostics;

namespace SpeechPairs.Worker.Hosting;

/// <summary>
/// Kill points for the fault tests: when the named environment variable holds a step's name, the process kills
/// itself (SIGKILL, as <c>kill -9</c> would) on reaching that step. Unset in every real run.
/// </summary>
internal static class FaultInjection
{
    public static Action<string>? FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } point
            ? step =>
            {
                if (step == point)
                    Process.GetCurrentProcess().Kill();
            }
            : null;
}
