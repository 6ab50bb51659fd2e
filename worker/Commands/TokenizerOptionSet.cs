using System.CommandLine;
using System.Globalization;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Commands;

/// <summary>The options that say how the tokenizer runs, shared by <c>shard</c> and <c>tokenize</c>.</summary>
internal sealed class TokenizerOptionSet
{
    public TokenizerOptionSet(bool required = true) => TokenizerDir = new Option<string?>("--tokenizer-dir")
    {
        Description = "Step-Audio-Tokenizer model bundle folder (linguistic_tokenizer.npy, speech_tokenizer_v1.onnx, dengcunqin/...)." +
                      (required ? "" : " (Without --job: required.)"),
        Required = required,
        HelpName = "DIR",
    };

    public Option<string?> TokenizerDir { get; }

    public Option<float> Dither { get; } = new("--dither")
    {
        Description = "Kaldi fbank dither for vq02. 0 is deterministic; other values add noise seeded from each clip's samples.",
        DefaultValueFactory = _ => 0f,
        HelpName = "X",
    };

    public Option<bool> Trim { get; } = new("--trim")
    {
        Description = "Trim leading/trailing silence (librosa-style, top_db 20) before tokenizing.",
    };

    public Option<string> Device { get; } = CreateDeviceOption();

    public Option<int> TorchThreads { get; } = new("--torch-threads")
    {
        Description = "Cores for this process: on the CPU, vq02 lanes of one torch thread each, then TorchThreads/OnnxThreads vq06 lanes (lanes never change tokens); torch threads on mps/cuda. Keep processes x threads within the cores.",
        DefaultValueFactory = _ => 1,
        HelpName = "N",
    };

    public Option<int> OnnxThreads { get; } = new("--onnx-threads")
    {
        Description = "ONNX Runtime intra-op threads per vq06 run (1, as the reference).",
        DefaultValueFactory = _ => 1,
        HelpName = "N",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(TokenizerDir);
        command.Options.Add(Dither);
        command.Options.Add(Trim);
        command.Options.Add(Device);
        command.Options.Add(TorchThreads);
        command.Options.Add(OnnxThreads);
    }

    /// <summary>The validated setup; <see cref="UsageException"/> for impossible values, failure when the folder is missing.</summary>
    public TokenizerSetup Read(ParseResult parse, Action<string> log)
    {
        var directory = parse.GetValue(TokenizerDir) ?? throw new UsageException("give --job or --tokenizer-dir");
        var torchThreads = parse.GetValue(TorchThreads);
        var onnxThreads = parse.GetValue(OnnxThreads);
        var dither = parse.GetValue(Dither);
        if (torchThreads < 1)
            throw new UsageException($"--torch-threads must be at least 1 (got {torchThreads})");
        if (onnxThreads < 1)
            throw new UsageException($"--onnx-threads must be at least 1 (got {onnxThreads})");
        if (!float.IsFinite(dither) || dither < 0)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--dither must be a finite number >= 0 (got {dither})"));
        if (!Directory.Exists(directory))
            throw new WorkerFailureException($"tokenizer dir not found on {Environment.MachineName}: {directory} (on a cluster it must be on a filesystem every node sees)");

        var models = new ModelOptions
        {
            Device = Enum.Parse<ComputeDeviceKind>(parse.GetRequiredValue(Device), ignoreCase: true),
            TorchThreads = torchThreads,
            OnnxThreads = onnxThreads,
        };
        return new TokenizerSetup(directory, models, new TokenizeOptions { Dither = dither, Trim = parse.GetValue(Trim) }, log);
    }

    private static Option<string> CreateDeviceOption()
    {
        var option = new Option<string>("--device")
        {
            Description = "Where vq02 runs: auto (MPS, then CUDA, then CPU), cpu, mps or cuda.",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "cpu", "mps", "cuda");
        return option;
    }
}
