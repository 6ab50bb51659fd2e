using System.Reflection;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>The worker command line CheckParity builds, and how it turns the worker's parity exit codes into build results.</summary>
public sealed class CheckParityTaskTests
{
    private static string CommandLine(CheckParity task) =>
        (string)typeof(CheckParity).GetMethod("GenerateCommandLineCommands", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(task, null)!;

    private static CheckParity Task(RecordingBuildEngine? engine = null, Action<CheckParity>? configure = null)
    {
        var task = new CheckParity
        {
            BuildEngine = engine ?? new RecordingBuildEngine(),
            WorkerAssembly = "/w/SpeechPairs.Worker.dll",
            ExtractDir = "/data/解压 dir/",
            TokenizerDir = "/models/Step-Audio-Tokenizer/",
            WorkDir = "/data/run/",
            ReferencePython = "/envs/step audio/bin/python",
            StepAudioDir = "/src/Step-Audio-EditX/",
        };
        configure?.Invoke(task);
        return task;
    }

    [SkippableFact]
    public void Follows_the_worker_contract()
    {
        var line = CommandLine(Task(configure: t =>
        {
            t.ParityClips = "16";
            t.ParitySeed = "7";
            t.Device = "mps";
            t.Dither = "0";
            t.ExcludePlaceholder = true;
            t.MaxDuration = "30";
            t.TorchThreads = 4;
        }));

        Assert.StartsWith("/w/SpeechPairs.Worker.dll parity ", line);
        Assert.Contains("--extract-dir \"/data/解压 dir\"", line);
        Assert.Contains("--tokenizer-dir /models/Step-Audio-Tokenizer ", line);
        Assert.Contains("--work-dir /data/run ", line);
        Assert.Contains("--reference-python \"/envs/step audio/bin/python\"", line);
        Assert.Contains("--step-audio-dir /src/Step-Audio-EditX ", line);
        Assert.Contains("--clips 16 --seed 7 --device mps --dither 0 --exclude-placeholder --max-duration 30 --torch-threads 4", line);
        Assert.DoesNotContain("--reference-tokens", line);
        Assert.DoesNotContain("--trim", line);
    }

    [SkippableFact]
    public void A_recorded_reference_replaces_the_python_and_unset_options_are_left_to_the_worker()
    {
        var line = CommandLine(Task(configure: t => t.ReferenceTokens = "/data/run/parity-reference.json"));

        Assert.Contains("--reference-tokens /data/run/parity-reference.json", line);
        Assert.DoesNotContain("--reference-python", line);
        Assert.DoesNotContain("--step-audio-dir", line);
        foreach (var option in new[] { "--clips", "--seed", "--device", "--dither", "--exclude-placeholder", "--max-duration", "--torch-threads" })
            Assert.DoesNotContain(option, line);
    }

    [SkippableTheory]
    [InlineData(0, true, null)]
    [InlineData(1, false, "differ from the reference outside near-ties; the differing clips, frames and margins are in")]
    [InlineData(2, false, "no comparison was made: reference python not found: /envs/x/bin/python")]
    public void Exit_codes_become_build_results(int exitCode, bool succeeds, string? error)
    {
        Skip.If(OperatingSystem.IsWindows(), "the stand-in worker is a shell script");
        var folder = Path.Combine(Path.GetTempPath(), "speechpairs-parity-task-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // A stand-in for `dotnet SpeechPairs.Worker.dll parity ...`: the worker's last lines and its exit code.
            var worker = Path.Combine(folder, "worker.sh");
            File.WriteAllText(worker,
                "echo 'parity: clips equal 31/32'\n" +
                (exitCode == 2 ? "echo 'worker parity: could not compare: reference python not found: /envs/x/bin/python' >&2\n" : "") +
                $"exit {exitCode}\n");
            var engine = new RecordingBuildEngine();
            var task = Task(engine, t =>
            {
                t.DotnetHost = "/bin/sh";
                t.WorkerAssembly = worker;
                t.WorkDir = folder;
            });

            Assert.Equal(succeeds, task.Execute());
            if (error is null)
            {
                Assert.Empty(engine.Errors);
            }
            else
            {
                var message = Assert.Single(engine.Errors);
                Assert.StartsWith("Parity check: ", message);
                Assert.Contains(error, message);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
