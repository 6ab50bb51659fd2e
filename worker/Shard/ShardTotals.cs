using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker.Shard;

/// <summary>What the done record and the end summary need beyond the progress counts.</summary>
/// <param name="Excluded">Clips of the whole shard that MaxDuration leaves out.</param>
/// <param name="RecordSeconds">Audio seconds of the whole shard's records, resumed ones included.</param>
/// <param name="Tokens">Audio tokens of the whole shard's records, resumed ones included.</param>
/// <param name="Tokenized">Records this run made with the tokenizer.</param>
/// <param name="Reused">Records this run made from the token cache instead.</param>
/// <param name="TokenizerTimes">Where the tokenizer's time went; null when it was not loaded or keeps no times.</param>
internal sealed record ShardTotals(int Excluded, double RecordSeconds, long Tokens, int Tokenized, int Reused, TokenizerStageTimes? TokenizerTimes);
