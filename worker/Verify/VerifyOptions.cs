namespace SpeechPairs.Worker.Verify;

/// <summary>What <c>worker verify</c> checks, and against what.</summary>
/// <param name="Output">The merged output (.jsonl, .jsonl.gz or .parquet); its name gives its format and its shards'.</param>
/// <param name="ExtractDir">The extracted archive the output was made from.</param>
/// <param name="ErrorsPath">The merged errors file.</param>
/// <param name="WorkDir">The folder of the shard outputs and done records; null skips the shard cross-check.</param>
/// <param name="ShardCount">How many shards the work folder holds (with <paramref name="WorkDir"/>).</param>
/// <param name="ExcludePlaceholder">Pairs under the placeholder folder were left out on purpose.</param>
/// <param name="MaxDurationSeconds">Clips longer than this were left out with a <c>too long:</c> error.</param>
/// <param name="Trim">The tokenizer trimmed silence, so a clip may have fewer tokens than its length implies.</param>
/// <param name="Examples">Examples shown per problem kind.</param>
public sealed record VerifyOptions(
    string Output,
    string ExtractDir,
    string ErrorsPath,
    string? WorkDir,
    int? ShardCount,
    bool ExcludePlaceholder,
    double? MaxDurationSeconds,
    bool Trim,
    int Examples);
