using System.CommandLine;
using SpeechPairs.Bench;

// Benchmarks print figures; they are never tests. Run them in Release on an otherwise idle machine.
var seconds = new Option<double>("--seconds") { Description = "Length of the generated audio clip in seconds.", DefaultValueFactory = _ => 60 };
var repeat = new Option<int>("--repeat") { Description = "Runs per stage; the best is reported.", DefaultValueFactory = _ => 1 };
var threads = new Option<int>("--threads") { Description = "torch threads (vq02).", DefaultValueFactory = _ => 2 };
var onnxThreads = new Option<int>("--onnx-threads") { Description = "ONNX Runtime intra-op threads (vq06).", DefaultValueFactory = _ => 1 };
var onnx = new Option<string?>("--onnx") { Description = "A full-size speech_tokenizer_v1.onnx to time vq06 with (default: the fixture's tiny stand-in)." };
var noStepped = new Option<bool>("--no-stepped") { Description = "Skip the piece-by-piece (reference schedule) encoder run." };
var threadList = new Option<string>("--threads-list") { Description = "Comma-separated torch thread counts.", DefaultValueFactory = _ => "1,2" };

var frontend = new Command("frontend", "Every stage before the networks on one core (decode, resample, norm, fbank/LFR/CMVN, log-mel).") { seconds, repeat };
frontend.SetAction(r => FrontendBenchmark.Run(r.GetValue(seconds), Math.Max(3, r.GetValue(repeat))));

var encoder = new Command("encoder", "vq02 with a full-size random encoder in memory on 1 and 2 threads, plus peak memory.") { seconds, threadList, noStepped };
encoder.SetAction(r => EncoderBenchmark.Run(r.GetValue(seconds), r.GetValue(threadList)!.Split(',').Select(int.Parse).ToArray(), !r.GetValue(noStepped)));

var tokenizer = new Command("tokenizer", "The whole vq0206 tokenizer, stage by stage, with full-size random weights; last line is key=value.")
    { seconds, threads, onnxThreads, onnx, noStepped, repeat };
tokenizer.SetAction(r => TokenizerBenchmark.Run(r.GetValue(seconds), r.GetValue(threads), r.GetValue(onnxThreads), r.GetValue(onnx), !r.GetValue(noStepped), r.GetValue(repeat)));

var minutes = new Option<double>("--minutes") { Description = "Minutes of generated audio in the archive.", DefaultValueFactory = _ => 10 };
var procsList = new Option<string>("--procs") { Description = "Comma-separated Procs values to run.", DefaultValueFactory = _ => "1,2" };
var pipeline = new Command("pipeline", "The whole MSBuild job on a generated archive with the full-size random bundle, per Procs value.") { minutes, procsList, onnx };
pipeline.SetAction(r => PipelineBenchmark.Run(r.GetValue(minutes), r.GetValue(procsList)!.Split(',').Select(int.Parse).ToArray(), r.GetValue(onnx)));

var clips = new Option<int>("--clips") { Description = "Pairs in the generated tree.", DefaultValueFactory = _ => 100_000 };
var keep = new Option<string?>("--keep") { Description = "Build the tree in this folder and keep it (default: a temporary folder, deleted)." };
var verify = new Command("verify", "worker verify on a generated tree of tiny WAVs and its merged file (header reads only).") { clips, keep };
verify.SetAction(r => VerifyBenchmark.Run(r.GetValue(clips), r.GetValue(keep)));

var reader = new Option<string>("--reader") { Description = "own (SpeechPairs' checkpoint reader) or pybridge (the whole state dict via TorchSharp.PyBridge, as before).", DefaultValueFactory = _ => "own" };
var load = new Command("load", "Load time and peak memory of reading a full-size (881 MB) model.pt; run once per --reader.") { reader };
load.SetAction(r => LoadBenchmark.Run(r.GetValue(reader)!));

var longMinutes = new Option<double>("--minutes") { Description = "Length of the generated clip in minutes.", DefaultValueFactory = _ => 10 };
var whole = new Option<bool>("--whole") { Description = "Decode the clip whole and tokenize it in one batch (how clips up to 240 s run) instead of part by part from its file." };
var longclip = new Command("longclip", "Peak memory and time of tokenizing one long 48 kHz stereo clip with the full-size random bundle.") { longMinutes, threads, onnxThreads, onnx, whole };
longclip.SetAction(r => LongClipBenchmark.Run(r.GetValue(longMinutes), r.GetValue(threads), r.GetValue(onnxThreads), r.GetValue(onnx), r.GetValue(whole)));

var cacheClips = new Option<int>("--clips") { Description = "Generated clips (2-6 s each).", DefaultValueFactory = _ => 200 };
var fullSize = new Option<bool>("--full-size") { Description = "Tokenize with the full-size random-weight bundle instead of the tiny fixture one." };
var tokenCache = new Command("token-cache", "A cold shard run, the merge into the token cache, then the same tree with all hits: speed-up and cache size.") { cacheClips, fullSize };
tokenCache.SetAction(r => TokenCacheBenchmark.Run(r.GetValue(cacheClips), r.GetValue(fullSize)));

var root = new RootCommand("SpeechPairs benchmarks: dotnet run -c Release --project bench -- <command> [options]") { frontend, encoder, tokenizer, pipeline, verify, load, longclip, tokenCache };
return root.Parse(args).Invoke();
