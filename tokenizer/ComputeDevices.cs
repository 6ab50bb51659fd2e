using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer;

/// <summary>Picks the torch device for vq02 in one place: MPS on Apple Silicon, CUDA where present, else the CPU.</summary>
public static class ComputeDevices
{
    /// <summary>The device for <paramref name="kind"/>; an unavailable explicit choice falls back to the CPU with one warning.</summary>
    public static Device Select(ComputeDeviceKind kind, Action<string>? warn = null)
    {
        switch (kind)
        {
            case ComputeDeviceKind.Cpu:
                return CPU;
            case ComputeDeviceKind.Mps:
                if (MpsAvailable()) return MPS;
                warn?.Invoke("warning: --device mps requested but MPS is not available in this libtorch; using the CPU");
                return CPU;
            case ComputeDeviceKind.Cuda:
                if (CudaAvailable()) return CUDA;
                warn?.Invoke("warning: --device cuda requested but CUDA is not available in this libtorch; using the CPU");
                return CPU;
            default:
                return MpsAvailable() ? MPS : CudaAvailable() ? CUDA : CPU;
        }
    }

    private static bool MpsAvailable()
    {
        try
        {
            return OperatingSystem.IsMacOS() && mps_is_available();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private static bool CudaAvailable()
    {
        try
        {
            return cuda.is_available();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }
}
