using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Bundle.Checkpoint;

/// <summary>One state-dict value as the encoder loader sees it: shape and dtype up front, values on demand.</summary>
internal sealed record StateDictEntry(long[] Shape, ScalarType DType, Func<Tensor> Load);
