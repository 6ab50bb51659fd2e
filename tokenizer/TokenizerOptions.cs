namespace SpeechPairs.Tokenizer;

/// <summary>How the vq0206 tokenizer runs. Defaults match the reference, except dither (see README).</summary>
public sealed record TokenizerOptions
{
    /// <summary>Where the vq02 encoder runs: auto (MPS, then CUDA, then CPU), cpu, mps or cuda.</summary>
    public ComputeDeviceKind Device { get; init; } = ComputeDeviceKind.Auto;

    /// <summary>Threads for torch (vq02). Set per process so that N processes do not oversubscribe the cores.</summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>ONNX Runtime intra-op threads for vq06 (the reference uses 1).</summary>
    public int OnnxThreads { get; init; } = 1;

    /// <summary>Kaldi fbank dither. 0 is deterministic; non-zero noise is seeded from the clip's samples.</summary>
    public float Dither { get; init; }

    /// <summary>Run vq06 on a worker thread while vq02 runs (as the reference does); off runs them one after the other.</summary>
    public bool OverlapVq06 { get; init; } = true;

    /// <summary>librosa-style silence trim before tokenizing (off in the reference's batch script).</summary>
    public bool Trim { get; init; }
}

/// <summary>Where vq02 runs.</summary>
public enum ComputeDeviceKind
{
    Auto,
    Cpu,
    Mps,
    Cuda,
}
