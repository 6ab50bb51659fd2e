using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Bundle.Checkpoint;

/// <summary>
/// What <c>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, ...)</c> would build: a strided
/// view of <see cref="Storage"/>. Only the description; the bytes are read when an encoder key asks for them.
/// </summary>
internal sealed record StoredTensor(StorageRef Storage, long StorageOffset, long[] Shape, long[] Stride)
{
    public ScalarType DType => Storage.DType;

    /// <summary>Elements of the storage the view spans from its offset: 1 + Σ (size−1)·stride, or 0 when empty.</summary>
    public long Extent
    {
        get
        {
            if (Shape.Any(s => s == 0)) return 0;
            long extent = 1;
            for (int i = 0; i < Shape.Length; i++) extent = checked(extent + (Shape[i] - 1) * Stride[i]);
            return extent;
        }
    }
}
