using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Shard;

/// <summary>Echoes a run's first clip errors on stderr; the rest are only in the errors file, so a bad archive cannot flood the log.</summary>
internal sealed class ClipErrorLog(TextWriter log, string prefix, string errorsFile)
{
    private const int Shown = 20;

    private int _logged;

    public void Add(ClipPair pair, string error)
    {
        var logged = ++_logged;
        if (logged <= Shown)
            log.WriteLine($"{prefix} skipped {pair.RelWav} ({error})");
        if (logged == Shown)
            log.WriteLine($"{prefix} further skipped clips are listed in {errorsFile} only");
    }
}
