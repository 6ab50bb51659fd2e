using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// A tokenized batch as output: a record line for every clip with tokens, a failure for every clip without, each in
/// shard order, with the audio and tokens they hold.
/// </summary>
internal sealed record BatchLines(
    List<string> Records,
    List<(ClipPair Pair, string Error)> Failures,
    double AudioSeconds,
    double RecordSeconds,
    long Tokens,
    int Tokenized,
    int Reused)
{
    public List<string> ErrorLines => Failures.Select(f => f.Pair.ErrorRecord(f.Error).ToLine()).ToList();

    /// <param name="tokenized">One per clip without an error from decoding, in batch order (<see cref="ClipTokenization.Tokenize"/>).</param>
    public static BatchLines Of(PreparedBatch batch, IReadOnlyList<TokenizedClip> tokenized)
    {
        var records = new List<string>(tokenized.Count);
        var failures = new List<(ClipPair, string)>();
        double recordSeconds = 0;
        long tokens = 0;
        int fresh = 0, reused = 0, next = 0;
        foreach (var clip in batch.Clips)
        {
            var error = clip.Error;
            if (error is null)
            {
                var (outcome, fromCache, wavError) = tokenized[next++];
                if (wavError is not null)
                    error = wavError;
                else if (outcome.Tokens is null)
                    error = ErrorKinds.Error(ErrorKinds.Tokenizer, Messages.FirstLine(outcome.Error ?? "no tokens and no reason given"));
                else if (outcome.Tokens.Tokens.Length == 0)
                    error = ErrorKinds.Error(ErrorKinds.NoTokens, string.Create(CultureInfo.InvariantCulture, $"clip too short ({clip.Seconds:0.000} s)"));
                else
                {
                    records.Add(clip.Pair.Record(clip.Text!, outcome.Tokens.Tokens, clip.SampleRate).ToLine());
                    if (fromCache)
                        reused++;
                    else
                        fresh++;
                    recordSeconds += clip.Seconds;
                    tokens += outcome.Tokens.Tokens.AsSpan().Count(TokenMerger.TokenPrefix);
                }
            }

            if (error is not null)
                failures.Add((clip.Pair, error));
        }

        return new BatchLines(records, failures, batch.AudioSeconds, recordSeconds, tokens, fresh, reused);
    }
}
