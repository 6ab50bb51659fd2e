namespace SpeechPairs.Tokenizer;

/// <summary>
/// How the models are loaded and run: the device and the process's cores. Fixed for the life of a
/// <see cref="TokenizerModels"/>; none of them changes a code (per-run choices that do are <see cref="TokenizeOptions"/>).
/// </summary>
public sealed record ModelOptions
{
    /// <summary>Where the vq02 encoder runs: auto (MPS, then CUDA, then CPU), cpu, mps or cuda.</summary>
    public ComputeDeviceKind Device { get; init; } = ComputeDeviceKind.Auto;

    /// <summary>
    /// The process's cores. On the CPU: vq02 runs its windows in that many lanes of one torch thread each, then vq06
    /// its chunks in <see cref="EffectiveVq06Lanes"/> lanes; neither changes a code. On mps/cuda: torch's threads.
    /// Set per process so that N processes do not oversubscribe the machine.
    /// </summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>ONNX Runtime intra-op threads for vq06 (the reference uses 1).</summary>
    public int OnnxThreads { get; init; } = 1;

    /// <summary>
    /// vq06 chunks that run at once, each a single-session ONNX run as in the reference; 0 (the default) gives the
    /// process's cores to them: <see cref="TorchThreads"/> / <see cref="OnnxThreads"/>. Lanes never change tokens.
    /// </summary>
    public int Vq06Lanes { get; init; }

    /// <summary>The lanes vq06 runs in: <see cref="Vq06Lanes"/>, or the process's cores per ONNX run.</summary>
    public int EffectiveVq06Lanes => Vq06Lanes > 0 ? Vq06Lanes : Math.Max(1, TorchThreads / Math.Max(1, OnnxThreads));
}

/// <summary>Where vq02 runs.</summary>
public enum ComputeDeviceKind
{
    Auto,
    Cpu,
    Mps,
    Cuda,
}
