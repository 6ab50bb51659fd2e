using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Shard;

/// <summary>
/// Cuts a shard's clips into batches and prepares them (transcript read, WAV decoded once).
/// <para>
/// Batches are planned over all clips of the shard, finished ones included, from WAV headers alone: a batch closes
/// before the clip that would take it past the audio budget (a longer clip forms its own batch) or past
/// <see cref="MaxClipsPerBatch"/>. So a batch's boundaries, and with them the gzip members of the output, are the same
/// in a resumed run as in an uninterrupted one. Finished clips are then left out of the prepared batch.
/// </para>
/// <para>Not thread-safe: the runner calls <see cref="LoadNext"/> from one background task at a time.</para>
/// </summary>
internal sealed class BatchLoader
{
    /// <summary>Keeps batches of failing or very short clips small enough that a crash loses little.</summary>
    public const int MaxClipsPerBatch = 1000;

    private readonly IReadOnlyList<ClipPair> _clips;
    private readonly ResumeState _resumed;
    private readonly IWavReader _wavReader;
    private readonly double _batchSeconds;
    private readonly double? _maxDurationSeconds;
    private readonly ShardStageClock? _clock;
    private int _next;
    private (int Position, PlannedClip Clip)? _lookahead;

    public BatchLoader(IReadOnlyList<ClipPair> clips, ResumeState resumed, IWavReader wavReader, double batchSeconds, double? maxDurationSeconds,
        ShardStageClock? clock = null)
    {
        _clock = clock;
        _clips = clips;
        _resumed = resumed;
        _wavReader = wavReader;
        _batchSeconds = batchSeconds;
        _maxDurationSeconds = maxDurationSeconds;
    }

    /// <summary>Clips planned so far that MaxDuration leaves out (finished ones included: planning covers every clip).</summary>
    public int Excluded { get; private set; }

    /// <summary>Audio seconds, by WAV header, of planned clips that earlier runs already wrote records for.</summary>
    public double ResumedRecordSeconds { get; private set; }

    /// <summary>The next batch that has unfinished clips, or null when the shard has no more.</summary>
    public PreparedBatch? LoadNext()
    {
        while (_next < _clips.Count)
        {
            var prepared = new List<PreparedClip>();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var clip in PlanNextBatch())
            {
                if (!_resumed.IsDone(clip.Pair.Id))
                    prepared.Add(Prepare(clip));
            }
            _clock?.AddDecode(start);

            if (prepared.Count > 0)
                return new PreparedBatch(prepared);
        }

        return null;
    }

    private List<PlannedClip> PlanNextBatch()
    {
        var batch = new List<PlannedClip>();
        double seconds = 0;
        while (_next < _clips.Count)
        {
            var clip = Plan(_next);
            if (batch.Count > 0 && (seconds + clip.TokenizedSeconds > _batchSeconds || batch.Count >= MaxClipsPerBatch))
            {
                _lookahead = (_next, clip);
                break;
            }

            batch.Add(clip);
            seconds += clip.TokenizedSeconds;
            if (clip.Excluded)
                Excluded++;
            else if (_resumed.IsRecord(clip.Pair.Id))
                ResumedRecordSeconds += clip.TokenizedSeconds;
            _next++;
        }

        return batch;
    }

    private PlannedClip Plan(int position)
    {
        if (_lookahead is { } ahead && ahead.Position == position)
            return ahead.Clip;
        var pair = _clips[position];
        if (pair.Error is not null)
            return new PlannedClip(pair, 0, pair.Error);
        WavHeader header;
        try
        {
            header = _wavReader.ReadHeader(pair.WavPath);
        }
        catch (Exception e)
        {
            return new PlannedClip(pair, 0, WavError(e));
        }

        if (header.DurationSeconds > _maxDurationSeconds)
            return new PlannedClip(pair, 0, ErrorKinds.Error(ErrorKinds.TooLong, string.Create(CultureInfo.InvariantCulture,
                $"{header.DurationSeconds:0.00} s > --max-duration {_maxDurationSeconds} s")), Excluded: true);
        return new PlannedClip(pair, header.DurationSeconds, null) { Header = header };
    }

    private PreparedClip Prepare(PlannedClip clip)
    {
        var pair = clip.Pair;
        if (clip.Error is not null)
            return PreparedClip.Failed(pair, clip.Error);
        if (!TranscriptReader.TryRead(pair.LabPath, out var text, out var transcriptError))
            return PreparedClip.Failed(pair, transcriptError);
        if (clip.TokenizedSeconds > Vq0206Tokenizer.LongClipSeconds)
            return new PreparedClip(pair, text, null, null) { Long = clip.Header };
        try
        {
            return new PreparedClip(pair, text, _wavReader.Read(pair.WavPath), null);
        }
        catch (Exception e)
        {
            return PreparedClip.Failed(pair, WavError(e));
        }
    }

    /// <summary>The reason without the path (the error line names the clip already).</summary>
    public static string WavError(Exception e) =>
        ErrorKinds.Error(ErrorKinds.Wav, e is AudioFormatException audio ? audio.Reason : e.Message);

    /// <summary>A clip as planned from its header: seconds it adds to its batch (0 when it will not be tokenized).</summary>
    private sealed record PlannedClip(ClipPair Pair, double TokenizedSeconds, string? Error, bool Excluded = false)
    {
        public WavHeader? Header { get; init; }
    }
}
