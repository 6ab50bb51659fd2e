using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Worker.Progress;

/// <summary>
/// Where a shard stands. <see cref="Done"/> counts finished clips including errors and clips finished by an earlier
/// run (<see cref="Resumed"/>); rates and ETA use only this run's clips. <see cref="EarlierRunsSeconds"/> is the wall time
/// of the runs before this one.
/// </summary>
/// <remarks>
/// Clips finish a batch at a time, seconds apart, while the line is printed every interval. Rates are therefore taken
/// when the last batch was counted (<see cref="CountedSeconds"/>) and the ETA counts down from there: dividing by the
/// current elapsed time instead would make the rate sag and the ETA climb between batches, then jump.
/// </remarks>
public sealed record ProgressSnapshot(
    ShardSelection Shard,
    ShardState State,
    int Total,
    int Done,
    int Errors,
    int Resumed,
    double AudioSeconds,
    double ElapsedSeconds,
    DateTimeOffset UpdatedUtc,
    int Reused = 0,
    double EarlierRunsSeconds = 0,
    double? CountedSeconds = null,
    double InClip = 0)
{
    /// <summary>This run's elapsed seconds when its last batch was counted (the current elapsed time when not given).</summary>
    private double RateSeconds => CountedSeconds ?? ElapsedSeconds;

    /// <summary>Clips finished, with the fraction done of a long clip in progress (<see cref="InClip"/>).</summary>
    private double Progressed => Done + InClip;

    public double ClipsPerSecond => RateSeconds > 0 ? (Progressed - Resumed) / RateSeconds : 0;

    public double AudioSecondsPerSecond => RateSeconds > 0 ? AudioSeconds / RateSeconds : 0;

    /// <summary>
    /// Seconds left at this run's clip rate, less the time since the last batch was counted (never below 0); null until
    /// a clip of this run finished.
    /// </summary>
    public double? EtaSeconds => Done >= Total ? 0
        : ClipsPerSecond > 0 ? Math.Max(0, (Total - Progressed) / ClipsPerSecond - (ElapsedSeconds - RateSeconds)) : null;

    /// <summary>
    /// The stderr line, e.g. <c>[shard 2/6] 1234/5000 clips (24.7%) | 3.2 clips/s | 12.5 audio-s/s (12.5x realtime) | ETA 0:19:31 | errors 3</c>.
    /// It never takes MSBuild's canonical <c>origin: error CODE: text</c> shape, so the pipeline can pass it through.
    /// </summary>
    public string ToLine()
    {
        var percent = Total > 0 ? 100.0 * Progressed / Total : 100.0;
        var speed = AudioSecondsPerSecond;
        return string.Create(CultureInfo.InvariantCulture,
            $"[shard {Shard}] {Done}/{Total} clips ({percent:0.0}%) | {ClipsPerSecond:0.0} clips/s | {speed:0.0} audio-s/s ({speed:0.0}x realtime) | ETA {FormatDuration(EtaSeconds)} | errors {Errors}");
    }

    /// <summary>The <c>&lt;out&gt;.progress.json</c> document read by <c>worker progress</c> and the Slurm driver.</summary>
    public ProgressDocument ToDocument(string? settingsHash) => new(
        Shard.Index,
        Shard.Count,
        State,
        Total,
        Done,
        Errors,
        Resumed,
        Reused,
        Math.Round(AudioSeconds, 1),
        Math.Round(ElapsedSeconds, 1),
        Math.Round(EarlierRunsSeconds + ElapsedSeconds, 1),
        Math.Round(ClipsPerSecond, 2),
        Math.Round(AudioSecondsPerSecond, 2),
        EtaSeconds is { } eta ? (long)Math.Round(eta) : null,
        settingsHash,
        Environment.MachineName,
        Environment.ProcessId,
        UpdatedUtc);

    /// <summary>h:mm:ss (hours not capped); <c>-:--:--</c> when unknown.</summary>
    public static string FormatDuration(double? seconds)
    {
        if (seconds is not { } value || double.IsNaN(value) || double.IsInfinity(value))
            return "-:--:--";
        var whole = (long)Math.Round(Math.Max(0, value));
        return string.Create(CultureInfo.InvariantCulture, $"{whole / 3600}:{whole / 60 % 60:00}:{whole % 60:00}");
    }
}
