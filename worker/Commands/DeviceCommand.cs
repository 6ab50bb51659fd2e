using System.CommandLine;
using SpeechPairs.Tokenizer;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary>
/// <c>worker device</c>: the vq02 device a <c>--device</c> choice resolves to on this machine (cpu, mps or cuda),
/// with the fallback warning when the choice is unavailable. The local pipeline asks once per run and hands the
/// shards the answer, so an unavailable device is reported once, not once per shard.
/// </summary>
internal static class DeviceCommand
{
    public static Command Create(WorkerContext context)
    {
        var device = new Option<string>("--device")
        {
            Description = "auto (MPS, then CUDA, then CPU), cpu, mps or cuda.",
            DefaultValueFactory = _ => "auto",
        };
        device.AcceptOnlyFromAmong("auto", "cpu", "mps", "cuda");
        var command = new Command("device", "Print the device the choice resolves to here (cpu, mps or cuda); warn when it falls back to the CPU.");
        command.Options.Add(device);
        command.SetAction(parse => context.Run("device", () =>
        {
            var kind = Enum.Parse<ComputeDeviceKind>(parse.GetRequiredValue(device), ignoreCase: true);
            var selected = ComputeDevices.Select(kind, context.Error.WriteLine);
            context.Output.WriteLine(selected.type.ToString().ToLowerInvariant() switch
            {
                "mps" => "mps",
                "cuda" => "cuda",
                _ => "cpu",
            });
            return ExitCodes.Success;
        }));
        return command;
    }
}
