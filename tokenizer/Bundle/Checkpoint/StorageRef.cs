using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Bundle.Checkpoint;

/// <summary>
/// A persistent id <c>('storage', torch.&lt;Type&gt;Storage, key, location, numel[, view_metadata])</c>: one flat
/// storage of <see cref="Numel"/> elements, whose bytes lie elsewhere in the file (never inside the pickle).
/// </summary>
internal sealed record StorageRef(string Key, ScalarType DType, int ElementSize, long Numel);
