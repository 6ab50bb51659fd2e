using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.TokenCache;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.TokenCache;

/// <summary>What the settings key depends on, with and without the file-hash memo.</summary>
public sealed class TokenizerSettingsKeyTests
{
    [SkippableFact]
    public void The_key_follows_the_bundle_contents_and_the_options_and_the_memo_does_not_change_it()
    {
        using var temp = new TempDir();
        var bundle = temp.Combine("bundle");
        var fixture = Path.Combine(FixtureRoot(), "Step-Audio-Tokenizer");
        foreach (var file in Directory.EnumerateFiles(fixture, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(bundle, Path.GetRelativePath(fixture, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var memo = temp.Combine("tokens.sqlite.file-hashes.tsv");
        var options = new ModelOptions { Device = ComputeDeviceKind.Cpu };
        var plain = TokenizerSettingsKey.Compute(Setup(bundle, options));
        Assert.Equal(plain, TokenizerSettingsKey.Compute(Setup(bundle, options), memo));
        Assert.True(File.Exists(memo));
        Assert.Equal(plain, TokenizerSettingsKey.Compute(Setup(bundle, options), memo));

        Assert.NotEqual(plain, TokenizerSettingsKey.Compute(Setup(bundle, options, new TokenizeOptions { Dither = 1f }), memo));
        Assert.NotEqual(plain, TokenizerSettingsKey.Compute(Setup(bundle, options, new TokenizeOptions { Trim = true }), memo));
        Assert.NotEqual(plain, TokenizerSettingsKey.Compute(Setup(bundle, options with { OnnxThreads = 2 }), memo));
        // On the CPU TorchThreads only sets the lanes, which never change a code (TokenizerParityTests).
        Assert.Equal(plain, TokenizerSettingsKey.Compute(Setup(bundle, options with { TorchThreads = 2 }), memo));

        var amMvn = Path.Combine(bundle, "dengcunqin", "speech_paraformer-large_asr_nat-zh-cantonese-en-16k-vocab8501-online", "am.mvn");
        File.AppendAllText(amMvn, "\n");
        File.SetLastWriteTimeUtc(amMvn, DateTime.UtcNow.AddMinutes(1));
        var edited = TokenizerSettingsKey.Compute(Setup(bundle, options), memo);
        Assert.NotEqual(plain, edited);
        Assert.Equal(edited, TokenizerSettingsKey.Compute(Setup(bundle, options)));
    }

    private static TokenizerSetup Setup(string bundle, ModelOptions options, TokenizeOptions? tokenize = null) =>
        new(bundle, options, tokenize ?? new TokenizeOptions(), _ => { });

    private static string FixtureRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "fixtures", "vq0206");
            if (Directory.Exists(candidate))
                return candidate;
        }

        throw new DirectoryNotFoundException("tests/fixtures/vq0206 not found above " + AppContext.BaseDirectory);
    }
}
