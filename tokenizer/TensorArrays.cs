using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer;

/// <summary>Copies tensors out to managed arrays (TorchSharp's accessor throws on empty tensors).</summary>
internal static class TensorArrays
{
    public static float[] ToFloatArray(this Tensor t)
    {
        if (t.numel() == 0) return [];
        using var c = t.to(float32).cpu().contiguous();
        return c.data<float>().ToArray();
    }

    public static int[] ToIntArray(this Tensor t)
    {
        if (t.numel() == 0) return [];
        using var c = t.to(int32).cpu().contiguous();
        return c.data<int>().ToArray();
    }
}
