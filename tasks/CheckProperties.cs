using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Fails on a command-line property the pipeline does not know (<c>-p:Proc=2</c>), naming the nearest known one: a
/// mistyped setting would otherwise be ignored and the run would quietly use the default. MSBuild's and the SDK's own
/// properties are let through. Runs in the MSBuild process, where the build's global properties are visible.
/// </summary>
public sealed class CheckProperties : Task
{
    private static readonly string[] PassThroughPrefixes = ["MSBuild", "_", "Restore", "NuGet", "DOTNET", "Vs", "VS"];
    private static readonly HashSet<string> PassThrough = new(StringComparer.OrdinalIgnoreCase)
    {
        "Configuration", "Platform", "TargetFramework", "RuntimeIdentifier", "ContinuousIntegrationBuild", "Deterministic",
        "BuildingInsideVisualStudio", "DesignTimeBuild", "ExcludeRestorePackageImports",
    };

    /// <summary>The pipeline's settings (shards.props).</summary>
    [Required] public string[] Known { get; set; } = [];

    public override bool Execute()
    {
        if (BuildEngine is not IBuildEngine6 engine)
            return true;
        var known = new HashSet<string>(Known, StringComparer.OrdinalIgnoreCase);
        foreach (var name in engine.GetGlobalProperties().Keys)
        {
            if (known.Contains(name) || PassThrough.Contains(name) || PassThroughPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                continue;
            var nearest = Known.Where(k => !k.StartsWith('_')).MinBy(k => Distance(name.ToLowerInvariant(), k.ToLowerInvariant()));
            var hint = nearest is not null && Distance(name.ToLowerInvariant(), nearest.ToLowerInvariant()) <= Math.Max(2, name.Length / 3)
                ? $"; did you mean '{nearest}'?"
                : "; see shards.props for the settings";
            Log.LogError($"unknown property '{name}'{hint}");
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
