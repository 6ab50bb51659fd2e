using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Parity;
using SpeechPairs.Contract;

namespace SpeechPairs.Tests.Parity;

/// <summary>
/// The reference refuses clearly, before any clip is tokenized, when the interpreter, the Step-Audio folder, its
/// StepAudioTokenizer or a package is missing. The checks that need a Python run the shipped driver with the python3
/// on PATH (standard library only: they refuse before anything else is imported).
/// </summary>
public sealed class ParityDriverRefusalTests
{
    private static readonly string? Python3 = PythonReference.ResolveInterpreter("python3");

    private static ParityWorld.Invocation RunReference(ParityWorld world, string python, string stepAudioDir, string? tokenizerDir = null)
    {
        string[] args = ["--tokenizer-dir", tokenizerDir ?? GoldenFixtures.BundleDir, "--device", "cpu", "--clips", "2",
            "--reference-python", python, "--step-audio-dir", stepAudioDir];
        return world.Run(args, _ => throw new InvalidOperationException("the tokenizer must not be loaded when the reference refused"));
    }

    private static void AssertRefusedBeforeTokenizing(ParityWorld world, ParityWorld.Invocation run, string message)
    {
        Assert.True(run.ExitCode == ExitCodes.ParityUnavailable, run.ToString());
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("worker parity: could not compare: ", line);
        Assert.Contains(message, line);
        Assert.Equal(0, run.TokenizerLoads);
        Assert.DoesNotContain("clip 1/", run.Stdout);
        Assert.False(File.Exists(ParityFiles.ReferenceOutput(world.WorkDir)));
        Assert.False(File.Exists(world.ResultPath));
    }

    private static string StepAudioCheckout(ParityWorld world, string tokenizerPy)
    {
        var folder = world.Combine("Step-Audio-EditX");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer.py"), tokenizerPy);
        return folder;
    }

    [SkippableFact]
    public void A_missing_interpreter_is_refused_and_an_earlier_result_does_not_stand_for_this_check()
    {
        using var world = new ParityWorld();
        Directory.CreateDirectory(world.WorkDir);
        File.WriteAllText(world.ResultPath, "{}");
        var run = RunReference(world, world.Combine("no-env", "bin", "python"), StepAudioCheckout(world, "class StepAudioTokenizer: pass\n"));

        AssertRefusedBeforeTokenizing(world, run, "reference python not found");
    }

    [SkippableFact]
    public void A_missing_Step_Audio_folder_is_refused()
    {
        using var world = new ParityWorld();
        var run = RunReference(world, Python3 ?? "python3", world.Combine("Step-Audio-EditX"));

        AssertRefusedBeforeTokenizing(world, run, "Step-Audio folder not found");
    }

    [SkippableFact]
    public void A_folder_without_tokenizer_py_is_refused()
    {
        using var world = new ParityWorld();
        Directory.CreateDirectory(world.Combine("Step-Audio"));
        var run = RunReference(world, Python3 ?? "python3", world.Combine("Step-Audio"));

        AssertRefusedBeforeTokenizing(world, run, "no tokenizer.py in");
    }

    [SkippableFact]
    public void A_tokenizer_py_without_StepAudioTokenizer_is_refused()
    {
        Skip.If(Python3 is null, "no python3 on PATH");
        using var world = new ParityWorld();
        var run = RunReference(world, Python3!, StepAudioCheckout(world, "import torch\n\nclass SomethingElse:\n    pass\n"));

        AssertRefusedBeforeTokenizing(world, run, "defines no StepAudioTokenizer class");
    }

    [SkippableFact]
    public void A_package_tokenizer_py_imports_is_refused_by_name()
    {
        Skip.If(Python3 is null, "no python3 on PATH");
        using var world = new ParityWorld();
        var checkout = StepAudioCheckout(world, "import os\nimport speechpairs_absent_package\nfrom whisper_absent_too import x\n\nclass StepAudioTokenizer:\n    pass\n");
        var run = RunReference(world, Python3!, checkout);

        AssertRefusedBeforeTokenizing(world, run, "missing Python package(s)");
        Assert.Contains("speechpairs_absent_package, whisper_absent_too", run.Stderr);
        Assert.DoesNotContain(" os,", run.Stderr);
    }

    [SkippableFact]
    public void A_tokenizer_dir_without_the_bundle_is_refused()
    {
        Skip.If(Python3 is null, "no python3 on PATH");
        using var world = new ParityWorld();
        Directory.CreateDirectory(world.Combine("empty-bundle"));
        var run = RunReference(world, Python3!, StepAudioCheckout(world, "class StepAudioTokenizer:\n    pass\n"), world.Combine("empty-bundle"));

        AssertRefusedBeforeTokenizing(world, run, "lacks linguistic_tokenizer.npy, speech_tokenizer_v1.onnx");
    }

    [SkippableFact]
    public void The_driver_ships_beside_the_worker()
    {
        Assert.True(File.Exists(PythonReference.ShippedDriver), PythonReference.ShippedDriver);
        Assert.StartsWith("#!/usr/bin/env python3", File.ReadAllText(PythonReference.ShippedDriver));
    }
}
