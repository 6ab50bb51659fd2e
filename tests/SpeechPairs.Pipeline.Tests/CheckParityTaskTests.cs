using System.Reflection;
using SpeechPairs.Contract;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>The worker command line CheckParity builds, and how it turns the worker's parity exit codes into build results.</summary>
public sealed class CheckParityTaskTests
{
    private static string CommandLine(CheckParity task) =>
        (string)typeof(CheckParity).GetMethod("GenerateCommandLineCommands", BindingFlags.Instance | BindingFlags.NonPublic)!.Invoke(task, null)!;

    /// <summary>The task for a job spec written in <paramref name="workDir"/> (the spec holds every setting of the check).</summary>
    private static CheckParity Task(string workDir, RecordingBuildEngine? engine = null)
    {
        new JobSpec
        {
            ExtractDir = "/data/解压 dir", TokenizerDir = "/models/Step-Audio-Tokenizer", WorkDir = workDir, Out = Path.Combine(workDir, "pairs.jsonl.gz"),
            Parity = new ParitySettings { ReferencePython = "/envs/step audio/bin/python", StepAudioDir = "/src/Step-Audio-EditX", Clips = 16 },
        }.Write(JobSpec.PathIn(workDir));
        return new CheckParity { BuildEngine = engine ?? new RecordingBuildEngine(), WorkerAssembly = "/w/SpeechPairs.Worker.dll", JobFile = JobSpec.PathIn(workDir) };
    }

    [SkippableFact]
    public void Passes_the_job_spec_and_no_setting_of_its_own()
    {
        using var temp = new TempDirectory();
        var line = CommandLine(Task(temp.Path));

        Assert.StartsWith("/w/SpeechPairs.Worker.dll parity ", line);
        Assert.Contains($"--job \"{JobSpec.PathIn(temp.Path)}\"", line);
        foreach (var option in new[] { "--extract-dir", "--tokenizer-dir", "--work-dir", "--reference-python", "--step-audio-dir", "--clips", "--device" })
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
            var task = Task(folder, engine);
            task.DotnetHost = "/bin/sh";
            task.WorkerAssembly = worker;

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
