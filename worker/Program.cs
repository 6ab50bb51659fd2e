using System.Globalization;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Worker.Hosting;

// Numbers in progress lines and messages must not follow the machine's locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

return WorkerCommandLine.Run(args, new WorkerContext
{
    Services = WorkerServices.Production,
    Environment = Environment.GetEnvironmentVariable,
    Output = Console.Out,
    Error = Console.Error,
});
