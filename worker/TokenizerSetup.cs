using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker;

/// <summary>What loading the tokenizer needs: the model bundle, how to run it, and where its log lines go.</summary>
public sealed record TokenizerSetup(string TokenizerDir, TokenizerOptions Options, Action<string> Log);
