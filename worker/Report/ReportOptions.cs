using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Report;

/// <param name="Output">The merged output (.jsonl or .jsonl.gz); the report files are named after it.</param>
/// <param name="ExtractDir">The extracted tree: WAV headers, unpaired files, placeholder pairs.</param>
/// <param name="ErrorsPath">The merged errors file (absent: no errors).</param>
/// <param name="WorkDir">The folder of the shards' done records; null: no per-shard table.</param>
/// <param name="ExcludePlaceholder">Whether placeholder pairs were left out (they are counted as excluded then).</param>
/// <param name="Examples">Ids listed per extreme, outlier list and error kind.</param>
public sealed record ReportOptions(string Output, string ExtractDir, string ErrorsPath, string? WorkDir, bool ExcludePlaceholder, int Examples)
{
    public string StatsPath => new MergedOutputSet(Output).Stats;

    public string HtmlPath => new MergedOutputSet(Output).Report;
}
