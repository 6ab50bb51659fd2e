using SpeechPairs.Contract;
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

    /// <summary>Further names the pipeline takes besides the job's settings (<see cref="JobSettings"/>), e.g. a target's own.</summary>
    public string[] Known { get; set; } = [];

    public override bool Execute()
    {
        if (BuildEngine is not IBuildEngine6 engine)
            return true;
        var known = new HashSet<string>(JobSettings.Names.Concat(Known), StringComparer.OrdinalIgnoreCase);
        foreach (var name in engine.GetGlobalProperties().Keys)
        {
            if (known.Contains(name) || PassThrough.Contains(name) || PassThroughPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
                continue;
            var hint = JobSettings.Nearest(name) is { } nearest ? $"; did you mean '{nearest}'?" : "; see shards.props for the settings";
            Log.LogError($"unknown property '{name}'{hint}");
        }
        return !Log.HasLoggedErrors;
    }
}
