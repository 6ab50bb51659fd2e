namespace SpeechPairs.Tokenizer;

/// <summary>One clip that the tokenizer cannot turn into tokens (the rest of a batch is unaffected).</summary>
public sealed class TokenizationException(string message, Exception? inner = null) : Exception(message, inner);
