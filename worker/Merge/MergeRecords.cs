using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Merge;

/// <summary>How the steps after the merge check that the merged output set is whole.</summary>
internal static class MergeRecords
{
    /// <summary>
    /// The merge record of the set whose output is <paramref name="output"/>. A record that does not describe the files
    /// fails; a missing one fails when <paramref name="required"/> (a planned run), else the files are taken as they are.
    /// </summary>
    public static MergeRecord? Require(string output, bool required)
    {
        var set = new MergedOutputSet(Path.GetFullPath(output));
        var record = MergeRecord.TryRead(set.Record);
        if (record is null)
            return required
                ? throw new WorkerFailureException($"the merge of {set.Out} did not finish (no merge record {Path.GetFileName(set.Record)}); run the merge again")
                : null;
        if (!record.Describes(set))
            throw new WorkerFailureException($"{set.Out} or its errors file is not what the merge record {Path.GetFileName(set.Record)} describes; run the merge again");
        return record;
    }
}
