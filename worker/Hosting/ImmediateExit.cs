using System.Runtime.InteropServices;

namespace SpeechPairs.Worker.Hosting;

/// <summary>
/// Ends the process at once, without the runtime's shutdown. Used after a signal or a lost parent, once the
/// output is flushed: a normal <see cref="Environment.Exit"/> would tear down managed state while native
/// torch/ONNX Runtime work is still running on other threads, which can crash the exit and lose the exit code.
/// </summary>
internal static partial class ImmediateExit
{
    public static void Exit(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            PosixExit(code);
        Environment.Exit(code);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void PosixExit(int status);
}
