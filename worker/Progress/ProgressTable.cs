using System.Globalization;
using System.Text;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Progress;

/// <summary>Renders where every shard of a run stands, plus totals and an overall ETA.</summary>
internal static class ProgressTable
{
    /// <summary>A running shard whose progress file is older than this has probably been killed.</summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(60);

    /// <param name="shards">One entry per shard index 0..N-1: its progress (null if none yet) and whether it has a done record.</param>
    public static IReadOnlyList<string> Render(IReadOnlyList<(ProgressDocument? Progress, bool Finished)> shards, DateTime nowUtc)
    {
        var rows = new List<string[]> { new[] { "shard", "state", "done/total", "%", "clips/s", "realtime", "ETA", "errors", "updated" } };
        long done = 0, total = 0, errors = 0;
        int known = 0, pending = 0, running = 0, finished = 0, stalled = 0;
        double rate = 0, slowestEta = 0;
        for (int index = 0; index < shards.Count; index++)
        {
            (ProgressDocument? progress, bool sentinel) = shards[index];
            string state = StateOf(progress, sentinel, nowUtc);
            switch (state)
            {
                case "pending": pending++; break;
                case "running": running++; break;
                case "stalled": stalled++; break;
                case "done": finished++; break;
            }
            if (progress is null)
            {
                rows.Add([$"{index}/{shards.Count}", state, "", "", "", "", "", "", ""]);
                continue;
            }
            known++;
            done += progress.Done;
            total += progress.Total;
            errors += progress.Errors;
            if (state == "running")
            {
                rate += progress.ClipsPerSecond;
                slowestEta = Math.Max(slowestEta, progress.EtaSeconds ?? 0);
            }
            rows.Add([
                $"{index}/{shards.Count}", state, $"{progress.Done}/{progress.Total}", Percent(progress.Done, progress.Total),
                progress.ClipsPerSecond.ToString("0.00", CultureInfo.InvariantCulture),
                progress.AudioSecondsPerSecond.ToString("0.0", CultureInfo.InvariantCulture) + "x",
                state == "running" && progress.EtaSeconds is long eta ? Duration(eta) : "",
                progress.Errors.ToString(CultureInfo.InvariantCulture),
                Age(nowUtc - progress.UpdatedUtc.UtcDateTime),
            ]);
        }

        var lines = Align(rows);
        // Shards not started yet: assume they are as large as the average known one.
        double estimatedTotal = known == 0 ? 0 : total + (double)total / known * pending;
        double remaining = Math.Max(0, estimatedTotal - done);
        string overallEta = remaining == 0 && pending == 0 ? "0:00:00"
            : rate > 0 ? Duration(Math.Max(slowestEta, remaining / rate))
            : "unknown";
        lines.Add($"all: {running} running, {finished} done, {pending} pending{(stalled > 0 ? $", {stalled} stalled (killed? re-run the build to resume)" : "")}"
            + $" | {done}/{(pending > 0 ? "~" + ((long)estimatedTotal).ToString(CultureInfo.InvariantCulture) : total.ToString(CultureInfo.InvariantCulture))} clips ({Percent(done, (long)estimatedTotal)})"
            + $" | {rate.ToString("0.00", CultureInfo.InvariantCulture)} clips/s | ETA {overallEta} | errors {errors}");
        return lines;
    }

    private static string StateOf(ProgressDocument? progress, bool finished, DateTime nowUtc)
    {
        if (finished)
            return "done";
        if (progress is null)
            return "pending";
        if (progress.State == ShardState.Running && nowUtc - progress.UpdatedUtc.UtcDateTime > StalledAfter)
            return "stalled";
        // A failed or finished document without a done record: the run stopped (killed, failed, or --no-done).
        return progress.State == ShardState.Done ? "stopped" : progress.State.ToString().ToLowerInvariant();
    }

    private static string Percent(long done, long total) =>
        total <= 0 ? "" : (100.0 * done / total).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>h:mm:ss, e.g. 0:19:31 or 27:04:00.</summary>
    public static string Duration(double seconds)
    {
        long s = (long)Math.Round(seconds);
        return string.Create(CultureInfo.InvariantCulture, $"{s / 3600}:{s / 60 % 60:00}:{s % 60:00}");
    }

    /// <summary>"4s ago", "12m 5s ago", "3h 2m ago".</summary>
    private static string Age(TimeSpan age)
    {
        long s = Math.Max(0, (long)age.TotalSeconds);
        return s < 60 ? $"{s}s ago" : s < 3600 ? $"{s / 60}m {s % 60}s ago" : $"{s / 3600}h {s / 60 % 60}m ago";
    }

    private static List<string> Align(List<string[]> rows)
    {
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return rows.Select(r =>
        {
            var line = new StringBuilder();
            for (int c = 0; c < r.Length; c++)
                line.Append(c is 0 or 1 ? r[c].PadRight(widths[c]) : r[c].PadLeft(widths[c])).Append("  ");
            return line.ToString().TrimEnd();
        }).ToList();
    }
}
