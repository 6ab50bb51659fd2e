using System.Text;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Verify;
using ContractShardFiles = SpeechPairs.Contract.ShardFiles;

namespace SpeechPairs.Tests.Verify;

/// <summary>
/// A finished job built without the tokenizer: an extracted tree (good clips at several rates, a placeholder pair, an
/// unpaired WAV, a clip too long for --max-duration, a broken WAV), the merged output and errors file the pipeline
/// would write for it (tokens of the length the formula gives), and two gzip shards with their done records.
/// </summary>
internal sealed class VerifyWorld : IDisposable
{
    public const int ShardCount = 2;
    public const double MaxDuration = 2.0;

    private readonly TempDir _temp = new();

    /// <param name="moreFiles">Writes further files into the extracted tree (its root given) before it is scanned.</param>
    /// <param name="output">The merged output's name; as in a run, it decides whether the output and the shards are gzip.</param>
    public VerifyWorld(int clips = 12, Action<string>? moreFiles = null, string output = "pairs.jsonl")
    {
        Output = _temp.Combine(output);
        TestArchive.WriteGoodClips(ExtractDir, clips);
        TestWav.Write(TestArchive.PathOf(ExtractDir, "English - 英语/Traveler/stereo 44k.wav"), 1.3, 7, sampleRate: 44100, channels: 2);
        File.WriteAllText(TestArchive.PathOf(ExtractDir, "English - 英语/Traveler/stereo 44k.lab"), "Hello, traveler.");
        TestArchive.WritePair(ExtractDir, "English - 英语/Traveler/long one", 2.5, "A long line.", 8);
        TestArchive.WritePair(ExtractDir, $"{PairFinder.PlaceholderFolder}/旅行者/称呼", 0.5, "你好，{NICKNAME}。", 9);
        TestArchive.WriteFile(ExtractDir, "Unpaired/orphan.wav", File.ReadAllBytes(TestArchive.PathOf(ExtractDir, "English - 英语/Traveler/long one.wav")));
        TestArchive.WriteFile(ExtractDir, "Broken/corrupt.wav", Encoding.ASCII.GetBytes(new string('x', 200)));
        TestArchive.WriteFile(ExtractDir, "Broken/corrupt.lab", Encoding.UTF8.GetBytes("坏了。"));
        moreFiles?.Invoke(ExtractDir);

        var pairs = PairFinder.Find(ExtractDir, excludePlaceholder: true).Pairs;
        var shardRecords = new List<string>[ShardCount];
        var shardErrors = new List<string>[ShardCount];
        for (var s = 0; s < ShardCount; s++)
            (shardRecords[s], shardErrors[s]) = ([], []);
        for (var position = 0; position < pairs.Count; position++)
        {
            var pair = pairs[position];
            var (record, error) = LinesFor(pair);
            if (record is not null)
                RecordLines.Add(record);
            if (error is not null)
                ErrorLines.Add(error);
            (record is null ? shardErrors : shardRecords)[position % ShardCount].Add(record ?? error!);
        }

        WriteMerged();
        for (var s = 0; s < ShardCount; s++)
            WriteShard(s, shardRecords[s], shardErrors[s]);
    }

    public string ExtractDir => _temp.Combine("extracted");

    public string WorkDir => _temp.Combine("work");

    public string Output { get; }

    public string Errors => new MergedOutputSet(Output).Errors;

    /// <summary>The merged lines; change them and call <see cref="WriteMerged"/> to break the output.</summary>
    public List<string> RecordLines { get; } = [];

    public List<string> ErrorLines { get; } = [];

    public ContractShardFiles Shard(int index) => ContractShardFiles.InWorkDir(WorkDir, index, ShardCount, ContractShardFiles.ShardsAreGzip(Output));

    public void WriteMerged()
    {
        var records = Encoding.UTF8.GetBytes(string.Concat(RecordLines.Select(l => l + "\n")));
        File.WriteAllBytes(Output, Output.EndsWith(".gz", StringComparison.Ordinal) ? SpeechPairs.Worker.Shard.GzipMember.Encode(records) : records);
        File.WriteAllText(Errors, string.Concat(ErrorLines.Select(l => l + "\n")));
    }

    public VerifyOptions Options(bool withShards = true, bool trim = false) =>
        new(Output, ExtractDir, Errors, withShards ? WorkDir : null, withShards ? ShardCount : null,
            ExcludePlaceholder: true, MaxDuration, trim, Examples: 3);

    public VerifyResult Verify(bool withShards = true, bool trim = false) => new OutputVerifier(Options(withShards, trim)).Run();

    /// <summary>Tokens of <paramref name="groups"/> groups with codes in the right ranges.</summary>
    public static string FakeTokens(long groups)
    {
        var text = new StringBuilder();
        for (var g = 0; g < groups; g++)
        {
            text.Append($"<audio_{g % 1024}><audio_{(g * 7) % 1024}>");
            for (var k = 0; k < 3; k++)
                text.Append($"<audio_{1024 + (g * 3 + k) % 4096}>");
        }

        return text.ToString();
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>What the worker writes for a pair: a record, or an error line.</summary>
    private static (string? Record, string? Error) LinesFor(ClipPair pair)
    {
        if (pair.Error is not null)
            return (null, pair.ErrorRecord(pair.Error).ToLine());
        WavInfo header;
        try
        {
            header = WavReader.ReadInfo(pair.WavPath);
        }
        catch (AudioFormatException e)
        {
            return (null, pair.ErrorRecord("wav: " + e.Reason).ToLine());
        }

        if (header.DurationSeconds > MaxDuration)
            return (null, pair.ErrorRecord($"too long: {header.DurationSeconds:0.00} s > --max-duration {MaxDuration} s").ToLine());
        if (!TranscriptReader.TryRead(pair.LabPath, out var text, out var transcriptError))
            return (null, pair.ErrorRecord(transcriptError).ToLine());
        var groups = ExpectedTokenCount.Groups(header.Frames, header.SampleRate)!.Value;
        return (pair.Record(text, FakeTokens(groups), header.SampleRate).ToLine(), null);
    }

    private void WriteShard(int index, List<string> records, List<string> errors)
    {
        var files = Shard(index);
        Directory.CreateDirectory(WorkDir);
        // Two batches, each a gzip member when the shards are gzip.
        var half = records.Count / 2;
        using (var output = File.Create(files.Output))
        {
            foreach (var batch in new[] { records[..half], records[half..] })
                output.Write(files.IsGzip ? GzipMember(batch) : Encoding.UTF8.GetBytes(string.Concat(batch.Select(l => l + "\n"))));
        }

        File.WriteAllText(files.Errors, string.Concat(errors.Select(l => l + "\n")));
        var tokens = records.Sum(r => (long)TokenString.Parse(MergedRecordOf(r).Tokens).Tokens);
        var excluded = errors.Count(e => e.Contains("\"too long:", StringComparison.Ordinal));
        new DoneRecord(DoneRecord.CurrentVersion, index, ShardCount, "settings", records.Count, errors.Count - excluded, excluded,
            AudioSeconds: 1.0 * records.Count, tokens, Tokenized: records.Count, Reused: 0, WallSeconds: 2, PeakMemoryMb: 100,
            DateTimeOffset.UnixEpoch).Write(files.Done);
    }

    public static PairRecord MergedRecordOf(string line) => PairRecord.Read(line);

    private static byte[] GzipMember(IEnumerable<string> lines) =>
        SpeechPairs.Worker.Shard.GzipMember.Encode(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
}
