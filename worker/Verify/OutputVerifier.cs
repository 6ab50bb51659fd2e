using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Output;

namespace SpeechPairs.Worker.Verify;

/// <summary>
/// Proves a merged output complete and right: every pair of the extracted tree is a record, an error line or left out
/// on purpose, exactly once; every record is well-formed, names its files, has their sample rate, text and the token
/// count its length implies; the shards and their done records agree. Reads WAV headers only, never samples.
/// </summary>
public sealed class OutputVerifier(VerifyOptions options)
{
    private readonly VerifyProblems _problems = new(options.Examples);

    public VerifyResult Run()
    {
        var scan = PairFinder.Find(options.ExtractDir, options.ExcludePlaceholder);
        var positions = new Dictionary<string, int>(scan.Pairs.Count, StringComparer.Ordinal);
        for (var i = 0; i < scan.Pairs.Count; i++)
            positions[scan.Pairs[i].Id] = i;

        var outcome = new PairOutcome[scan.Pairs.Count];
        var tokensOf = new long[scan.Pairs.Count];
        var (records, tokens, audioSeconds) = CheckRecords(scan.Pairs, positions, outcome, tokensOf);
        var (errors, tooLong) = CheckErrors(scan.Pairs, positions, outcome);
        for (var i = 0; i < outcome.Length; i++)
        {
            if (outcome[i] == PairOutcome.None)
                _problems.Add(VerifyProblems.Missing, scan.Pairs[i].Id, "neither a record nor an error line");
        }

        var shards = 0;
        if (options.WorkDir is { } workDir)
        {
            var check = new ShardCrossCheck(workDir, options.ShardCount ?? throw new UsageException("--work-dir needs --shard-count"), options.Output, _problems);
            shards = check.Run(scan.Pairs, positions, outcome, tokensOf);
        }

        return new VerifyResult(_problems, scan.Pairs.Count, records, errors, tooLong, scan.PlaceholderPairsExcluded,
            scan.UnpairedWav, scan.UnpairedLab, tokens, audioSeconds, shards);
    }

    private (long Records, long Tokens, double AudioSeconds) CheckRecords(
        IReadOnlyList<ClipPair> pairs, Dictionary<string, int> positions, PairOutcome[] outcome, long[] tokensOf)
    {
        long records = 0, tokens = 0;
        double audioSeconds = 0;
        var previous = -1;
        try
        {
            foreach (var line in MergedPairs.ReadLines(options.Output))
            {
                var where = $"{Path.GetFileName(options.Output)} line {line.Number}";
                if (!line.Terminated)
                {
                    _problems.Add(VerifyProblems.Torn, where, "the last line has no newline");
                    continue;
                }

                if (!PairRecord.TryRead(line.Json, out var record, out var problem, out var reason))
                {
                    _problems.Add(problem == RecordProblem.Keys ? VerifyProblems.Keys : VerifyProblems.Unparsable, where, reason);
                    continue;
                }

                records++;
                if (!positions.TryGetValue(record.Id, out var position))
                {
                    _problems.Add(VerifyProblems.UnknownId, record.Id, $"{where}: no pair of the extracted tree has this id");
                    continue;
                }

                if (outcome[position] != PairOutcome.None)
                {
                    _problems.Add(VerifyProblems.DuplicateId, record.Id, $"{where}: a second record");
                    continue;
                }

                outcome[position] = PairOutcome.Record;
                if (pairs[position].Error is { } refused)
                    _problems.Add(VerifyProblems.IdCollision, record.Id, $"{where}: a record, but the pair is refused ({refused})");
                if (position < previous)
                    _problems.Add(VerifyProblems.Order, record.Id, $"{where}: comes after {pairs[previous].Id}");
                previous = Math.Max(previous, position);
                var (clipTokens, seconds) = CheckRecord(record, pairs[position]);
                tokensOf[position] = clipTokens;
                tokens += clipTokens;
                audioSeconds += seconds;
            }
        }
        catch (JsonlReadException e)
        {
            _problems.Add(VerifyProblems.Torn, Path.GetFileName(options.Output), e.Message);
        }

        return (records, tokens, audioSeconds);
    }

    /// <summary>Checks one record against its pair; returns its token count and audio seconds.</summary>
    private (long Tokens, double Seconds) CheckRecord(PairRecord record, ClipPair pair)
    {
        var id = record.Id;
        if (record.RelWav != pair.RelWav || record.RelLab != pair.RelLab)
            _problems.Add(VerifyProblems.Files, id, $"names {record.RelWav} and {record.RelLab}; the pair is {pair.RelWav} and {pair.RelLab}");

        var shape = TokenString.Parse(record.Tokens);
        if (shape.Problem is not null)
            _problems.Add(VerifyProblems.Tokens, id, shape.Problem);

        if (!TranscriptReader.TryRead(pair.LabPath, out var text, out var transcriptError))
            _problems.Add(VerifyProblems.Text, id, $"{pair.RelLab}: {transcriptError}");
        else if (text != record.Text)
            _problems.Add(VerifyProblems.Text, id, $"differs from {pair.RelLab} ({Preview(record.Text)} vs {Preview(text)})");

        WavInfo header;
        try
        {
            header = WavReader.ReadInfo(pair.WavPath);
        }
        catch (AudioFormatException e)
        {
            _problems.Add(VerifyProblems.Unreadable, id, $"{pair.RelWav}: {e.Reason}");
            return (shape.Tokens, 0);
        }

        if (record.Sr != header.SampleRate)
            _problems.Add(VerifyProblems.SampleRate, id, $"sr {record.Sr}, the WAV header says {header.SampleRate}");
        if (header.DurationSeconds > options.MaxDurationSeconds)
            _problems.Add(VerifyProblems.Excluded, id, string.Create(CultureInfo.InvariantCulture,
                $"{header.DurationSeconds:0.00} s is over --max-duration {options.MaxDurationSeconds} s but the clip has a record"));

        if (shape.Problem is null)
            CheckTokenCount(id, shape.Groups, header);
        return (shape.Tokens, header.DurationSeconds);
    }

    private void CheckTokenCount(string id, long groups, WavInfo header)
    {
        var expected = ExpectedTokenCount.Groups(header.Frames, header.SampleRate);
        var seconds = string.Create(CultureInfo.InvariantCulture, $"{header.DurationSeconds:0.000} s at {header.SampleRate} Hz");
        if (expected is null)
            _problems.Add(VerifyProblems.TokenCount, id, $"{groups} groups, but the reference front end cannot tokenize {seconds}");
        else if (options.Trim ? groups < 1 || groups > expected : groups != expected)
            _problems.Add(VerifyProblems.TokenCount, id,
                $"{groups} groups of 5 tokens; {seconds} gives {(options.Trim ? "at most " : "")}{expected}");
    }

    private (long Errors, long TooLong) CheckErrors(IReadOnlyList<ClipPair> pairs, Dictionary<string, int> positions, PairOutcome[] outcome)
    {
        long errors = 0, tooLong = 0;
        if (!File.Exists(options.ErrorsPath))
        {
            _problems.Add(VerifyProblems.Unreadable, options.ErrorsPath, "the errors file does not exist");
            return (0, 0);
        }

        try
        {
            foreach (var (number, json, terminated) in JsonlReader.Read(options.ErrorsPath, gzip: false))
            {
                var where = $"{Path.GetFileName(options.ErrorsPath)} line {number}";
                var line = ErrorRecord.TryRead(json, out var parsed, out _, out _) ? parsed : null;
                if (!terminated)
                    _problems.Add(VerifyProblems.Torn, where, "the last line has no newline");
                else if (line is null)
                    _problems.Add(VerifyProblems.Unparsable, where, "not an error line {\"id\",\"rel_wav\",\"error\"}");
                else if (!positions.TryGetValue(line.Id, out var position))
                    _problems.Add(VerifyProblems.UnknownId, line.Id, $"{where}: no pair of the extracted tree has this id");
                else if (outcome[position] == PairOutcome.Record)
                    _problems.Add(VerifyProblems.RecordAndError, line.Id, $"{where}: {line.Error}");
                else if (outcome[position] != PairOutcome.None)
                    _problems.Add(VerifyProblems.DuplicateId, line.Id, $"{where}: a second error line");
                else
                {
                    // The walk alone decides which pairs collide: the error line of such a pair says so, and no other does.
                    if ((pairs[position].Error is not null) != (line.Kind == ErrorKinds.IdCollision))
                        _problems.Add(VerifyProblems.IdCollision, line.Id,
                            $"{where}: {line.Error}; the walk says {pairs[position].Error ?? "this pair collides with none"}");
                    outcome[position] = line.IsExcluded ? PairOutcome.TooLong : PairOutcome.Error;
                    if (line.IsExcluded)
                    {
                        tooLong++;
                        CheckTooLong(line, pairs[position]);
                    }
                    else
                    {
                        errors++;
                    }
                }
            }
        }
        catch (JsonlReadException e)
        {
            _problems.Add(VerifyProblems.Torn, Path.GetFileName(options.ErrorsPath), e.Message);
        }

        return (errors, tooLong);
    }

    private void CheckTooLong(ErrorRecord line, ClipPair pair)
    {
        if (options.MaxDurationSeconds is not { } max)
        {
            _problems.Add(VerifyProblems.Excluded, line.Id, "left out as too long, but no --max-duration was given");
            return;
        }

        try
        {
            var seconds = WavReader.ReadInfo(pair.WavPath).DurationSeconds;
            if (seconds <= max)
                _problems.Add(VerifyProblems.Excluded, line.Id, string.Create(CultureInfo.InvariantCulture,
                    $"left out as too long, but {seconds:0.00} s is within --max-duration {max} s"));
        }
        catch (AudioFormatException e)
        {
            _problems.Add(VerifyProblems.Unreadable, line.Id, $"{pair.RelWav}: {e.Reason}");
        }
    }

    private static string Preview(string text) =>
        System.Text.Json.JsonSerializer.Serialize(text.Length <= 40 ? text : text[..40] + "…");
}

