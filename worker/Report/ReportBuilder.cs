using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Verify;
using SpeechPairs.Worker.Output;

namespace SpeechPairs.Worker.Report;

/// <summary>Gathers the report's figures: records from the merged file, lengths and formats from WAV headers (never samples), errors, done records.</summary>
public sealed class ReportBuilder(ReportOptions options)
{
    /// <summary>A clip whose token rate is this far (relative) from the nominal rate is listed as an outlier.</summary>
    public const double TokenRateTolerance = 0.2;

    public ReportStats Build()
    {
        var scan = PairFinder.Find(options.ExtractDir, options.ExcludePlaceholder);
        var clips = ReadClips();
        var errorLines = ReadErrors();
        var tooLong = errorLines.Count(e => e.IsExcluded);
        var durations = clips.Select(c => c.Seconds).ToList();
        var characters = clips.Select(c => (double)c.Characters).ToList();
        var charRates = clips.Select(c => c.CharactersPerSecond).ToList();
        var tokenRates = clips.Select(c => c.TokensPerSecond).ToList();
        var byCharRate = clips.OrderBy(c => c.CharactersPerSecond).ThenBy(c => c.Id, StringComparer.Ordinal).ToList();
        var nominal = ExpectedTokenCount.NominalTokensPerSecond;

        var totals = new ReportTotals(clips.Count, durations.Sum() / 3600, clips.Sum(c => c.Tokens), errorLines.Count - tooLong,
            scan.PlaceholderPairsExcluded + tooLong, scan.PlaceholderPairsExcluded, tooLong, scan.UnpairedWav, scan.UnpairedLab);
        var stats = new ReportStats(
            Path.GetFileName(options.Output),
            totals,
            Distribution.Of(durations),
            HistogramCounts.Of(durations),
            Distribution.Of(characters),
            HistogramCounts.Of(characters),
            Distribution.Of(charRates),
            HistogramCounts.Of(charRates),
            byCharRate.Take(options.Examples).Select(c => new ClipValue(c.Id, c.CharactersPerSecond)).ToList(),
            Enumerable.Reverse(byCharRate).Take(options.Examples).Select(c => new ClipValue(c.Id, c.CharactersPerSecond)).ToList(),
            nominal,
            Distribution.Of(tokenRates),
            HistogramCounts.Of(tokenRates),
            clips.Where(c => Math.Abs(c.TokensPerSecond - nominal) > TokenRateTolerance * nominal)
                .OrderByDescending(c => Math.Abs(c.TokensPerSecond - nominal)).ThenBy(c => c.Id, StringComparer.Ordinal)
                .Take(options.Examples).Select(c => new ClipValue(c.Id, c.TokensPerSecond)).ToList(),
            CountBy(clips, c => c.SampleRate.ToString(CultureInfo.InvariantCulture)),
            CountBy(clips, c => c.Channels.ToString(CultureInfo.InvariantCulture)),
            errorLines.GroupBy(e => e.Kind).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new ErrorKind(g.Key, g.Count(), g.Take(options.Examples).Select(e => e.Id).ToList())).ToList(),
            Folders(clips),
            Shards(),
            scan.Unpaired)
        {
            Parity = Worker.Parity.ParityReportSection.Read(options.WorkDir),
        };
        return stats;
    }

    private List<ClipFact> ReadClips()
    {
        var clips = new List<ClipFact>();
        foreach (var line in MergedPairs.ReadLines(options.Output))
        {
            if (!line.Terminated || !PairRecord.TryRead(line.Json, out var record, out _, out _))
                throw new WorkerFailureException($"{options.Output} line {line.Number} is not a record (run worker verify)");
            WavInfo header;
            try
            {
                header = WavReader.ReadInfo(Path.Combine(options.ExtractDir, record.RelWav));
            }
            catch (AudioFormatException e)
            {
                throw new WorkerFailureException($"{record.RelWav}: {e.Reason} (run worker verify)", e);
            }

            clips.Add(new ClipFact(record.Id, record.RelWav, header.DurationSeconds, header.SampleRate, header.Channels,
                record.Text.EnumerateRunes().Count(), TokenString.Parse(record.Tokens).Tokens));
        }

        return clips;
    }

    private List<ErrorRecord> ReadErrors()
    {
        if (!File.Exists(options.ErrorsPath))
            return [];
        return JsonlReader.Read(options.ErrorsPath, gzip: false)
            .Select(line => ErrorRecord.TryRead(line.Json, out var record, out _, out _) ? record : null)
            .OfType<ErrorRecord>().ToList();
    }

    private static List<CountOf> CountBy(IEnumerable<ClipFact> clips, Func<ClipFact, string> key) =>
        clips.GroupBy(key).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CountOf(g.Key, g.Count())).ToList();

    /// <summary>First-level folders (Genshin: language), and first/second level (language/character).</summary>
    private static List<FolderTotals> Folders(IEnumerable<ClipFact> clips)
    {
        var folders = new List<FolderTotals>();
        foreach (var level in new[] { 1, 2 })
        {
            folders.AddRange(clips.GroupBy(c => FolderOf(c.RelWav, level)).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new FolderTotals(g.Key, level, g.Count(), g.Sum(c => c.Seconds) / 3600)));
        }

        return folders;
    }

    private static string FolderOf(string relWav, int level)
    {
        var parts = relWav.Split('/');
        return parts.Length <= 1 ? "." : string.Join('/', parts.Take(Math.Min(level, parts.Length - 1)));
    }

    private List<ShardFigures> Shards()
    {
        if (options.WorkDir is null || !Directory.Exists(options.WorkDir))
            return [];
        var shards = new List<ShardFigures>();
        foreach (var path in Directory.EnumerateFiles(options.WorkDir, ShardFiles.DonePattern))
        {
            if (DoneRecord.TryRead(path) is not { } done)
                continue;
            shards.Add(new ShardFigures(done.ShardIndex, done.ShardCount, done.Records, done.Errors, done.Excluded, done.AudioSeconds,
                done.WallSeconds, done.WallSeconds > 0 ? done.AudioSeconds / done.WallSeconds : 0, done.PeakMemoryMb, done.Tokenized, done.Reused));
        }

        return shards.OrderBy(s => s.Count).ThenBy(s => s.Index).ToList();
    }
}
