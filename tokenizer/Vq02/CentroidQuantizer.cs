using SpeechPairs.Tokenizer.Bundle;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Vq02;

/// <summary>
/// vq02 codes: the index of the nearest centroid of <c>linguistic_tokenizer.npy</c> for every encoder frame,
/// computed like the reference's <c>torch.cdist(x, kms).argmin(1)</c> (the matrix-product form of the distance).
/// </summary>
public sealed class CentroidQuantizer : IDisposable
{
    private readonly Tensor _centroids;

    private CentroidQuantizer(Tensor centroids) => _centroids = centroids;

    public int Count => (int)_centroids.shape[0];

    public int Dim => (int)_centroids.shape[1];

    /// <summary>Loads float32 centroids [K, <paramref name="dim"/>]; anything else is a <see cref="BundleException"/>.</summary>
    public static CentroidQuantizer Load(string path, int dim, Device device)
    {
        NpyArray array;
        try
        {
            array = NpyArray.Read(path);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new BundleException(path, e.Message, e);
        }
        if (array.DType != "f4")
            throw new BundleException(path, $"dtype {array.DType}; expected float32 (<f4) centroids");
        if (array.Shape.Length != 2 || array.Shape[1] != dim || array.Shape[0] < 1)
            throw new BundleException(path, $"shape ({string.Join(", ", array.Shape)}); expected (K, {dim}) to match the encoder width {dim} in config.yaml");
        return FromArray(array.ToFloat32(), (int)array.Shape[0], dim, device);
    }

    public static CentroidQuantizer FromArray(float[] centroids, int count, int dim, Device device)
        => new(from_array(centroids).reshape(count, dim).to(device).clone()); // own storage, not the managed array

    /// <summary>Nearest-centroid index of every row of <paramref name="frames"/> [N, D].</summary>
    public int[] Assign(Tensor frames)
    {
        if (frames.shape[0] == 0) return [];
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int n = (int)frames.shape[0];
        // Pad tiny inputs: the product's row count must not change how a row is rounded.
        var x = n < EncoderBatchPlan.MinRows
            ? cat([frames, zeros(EncoderBatchPlan.MinRows - n, frames.shape[1], device: frames.device)], 0)
            : frames;
        return cdist(x, _centroids).argmin(1).narrow(0, 0, n).ToIntArray();
    }

    public void Dispose() => _centroids.Dispose();
}
