using System.CommandLine;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker tokenize</c>: single WAV files to one JSON object each on stdout, for people and checks.</summary>
internal static class TokenizeCommand
{
    public static Command Create(WorkerContext context)
    {
        var files = new Argument<string[]>("FILE.wav")
        {
            Description = "WAV files to tokenize.",
            Arity = ArgumentArity.OneOrMore,
        };
        var tokenizer = new TokenizerOptionSet();
        var command = new Command("tokenize",
            "Tokenize WAV files; prints {\"wav\",\"sr\",\"vq02\",\"vq06\",\"tokens\"} or {\"wav\",\"error\"} per file, one line each, " +
            $"and exits {ExitCodes.Failed} if any file failed.");
        tokenizer.AddTo(command);
        command.Arguments.Add(files);
        command.SetAction(parse => context.Run("tokenize", () =>
        {
            var setup = tokenizer.Read(parse, context.Error.WriteLine);
            var services = context.Services();
            using var clipTokenizer = services.CreateTokenizer(setup);
            var failed = 0;
            foreach (var path in parse.GetRequiredValue(files))
            {
                var line = Tokenize(path, services.WavReader, clipTokenizer, out var succeeded);
                context.Output.WriteLine(line);
                failed += succeeded ? 0 : 1;
            }

            return failed == 0 ? ExitCodes.Success : ExitCodes.Failed;
        }));
        return command;
    }

    private static string Tokenize(string path, IWavReader wavReader, IClipTokenizer tokenizer, out bool succeeded)
    {
        succeeded = false;
        WavHeader header;
        DecodedAudio? audio = null;
        try
        {
            header = wavReader.ReadHeader(path);
            // A long clip is read part by part by the tokenizer itself, as in a shard.
            if (header.DurationSeconds <= Vq0206Tokenizer.LongClipSeconds)
                audio = wavReader.Read(path);
        }
        catch (Exception e)
        {
            return ErrorLine(path, e is AudioFormatException audioError ? audioError.Reason : e.Message);
        }

        ClipOutcome outcome;
        try
        {
            outcome = audio is null
                ? TokenizerCalls.Long(tokenizer, path, _ => { }, path)
                : TokenizerCalls.Batch(tokenizer, [audio], path)[0];
        }
        catch (AudioFormatException e)
        {
            return ErrorLine(path, e.Reason);
        }

        if (outcome.Tokens is not { } tokens)
            return ErrorLine(path, ErrorKinds.Error(ErrorKinds.Tokenizer, outcome.Error ?? "no tokens and no reason given"));
        succeeded = true;
        return new JsonLineBuilder()
            .Add("wav", path)
            .Add("sr", header.SampleRate)
            .Add("vq02", tokens.Vq02)
            .Add("vq06", tokens.Vq06)
            .Add("tokens", tokens.Tokens)
            .ToString();
    }

    private static string ErrorLine(string path, string error) =>
        new JsonLineBuilder().Add("wav", path).Add("error", Messages.FirstLine(error)).ToString();
}
