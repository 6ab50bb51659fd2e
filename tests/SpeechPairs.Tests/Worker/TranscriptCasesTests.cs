using System.Text;
using System.Text.Json;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Tests.Worker;

/// <summary>
/// The transcript rule against the texts real Python made (tests/fixtures/transcripts/cases.json, written by
/// make_cases.py beside it; never by SpeechPairs' code).
/// </summary>
public sealed class TranscriptCasesTests
{
    private sealed record Case(string Name, string Hex, string? Python, string? Expected, string? Error, string? Departure);

    private sealed record Fixture(string Python, string Unicode, int[] Isspace, Case[] Cases);

    private static readonly Lazy<Fixture> Loaded = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "tests", "fixtures", "transcripts", "cases.json");
            if (File.Exists(path))
                return JsonSerializer.Deserialize<Fixture>(File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        }
        throw new FileNotFoundException("tests/fixtures/transcripts/cases.json not found above " + AppContext.BaseDirectory);
    });

    public static TheoryData<string> CaseNames => new(Loaded.Value.Cases.Select(c => c.Name));

    [SkippableTheory]
    [MemberData(nameof(CaseNames))]
    public void Reads_as_python_does(string name)
    {
        Case c = Loaded.Value.Cases.Single(c => c.Name == name);
        // A case without a departure is one where SpeechPairs must give exactly what the original rule gives.
        if (c.Departure is null)
            Assert.Equal(c.Python, c.Expected);

        bool ok = TranscriptReader.TryDecode(Convert.FromHexString(c.Hex), out var text, out var error);

        Assert.Equal(c.Expected, text);
        Assert.Equal(c.Error, error);
        Assert.Equal(c.Expected is not null, ok);
    }

    [SkippableFact]
    public void Strips_exactly_pythons_isspace_characters()
    {
        var pythonSpace = Loaded.Value.Isspace.ToHashSet();
        Assert.Contains(0x1F, pythonSpace); // not .NET whitespace
        Assert.DoesNotContain(0x200B, pythonSpace);

        for (int c = 1; c <= char.MaxValue; c++)
        {
            if (char.IsSurrogate((char)c)) continue;
            string s = ((char)c).ToString();
            bool space = pythonSpace.Contains(c);
            Assert.Equal(space ? "x" : "x" + s, Decode("x" + s));
            if (c != 0xFEFF) // leading U+FEFF is read as a UTF-8 BOM
                Assert.Equal(space ? "x" : s + "x", Decode(s + "x"));
        }
        foreach (int c in pythonSpace)
            Assert.True(c <= char.MaxValue, $"U+{c:X4} is outside the BMP; the reader strips chars");
    }

    private static string? Decode(string text)
    {
        TranscriptReader.TryDecode(Encoding.UTF8.GetBytes(text), out var decoded, out _);
        return decoded;
    }
}
