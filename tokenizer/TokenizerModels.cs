using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using SpeechPairs.Tokenizer.Vq06;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// The Step-Audio tokenizer bundle, loaded and checked once per process: every file is validated before any
/// audio is processed, and heavy state (encoder weights, the ONNX session) is shared by the cheap
/// <see cref="Vq0206Tokenizer"/> objects that use it.
/// </summary>
public sealed class TokenizerModels : IDisposable
{
    private TokenizerModels(TokenizerOptions options, BundleLayout layout, ParaformerConfig config, Device device,
        OnlineFrontend frontend, SanmEncoderWeights weights, CentroidQuantizer quantizer, SpeechTokenizerV1 vq06)
    {
        Options = options;
        Layout = layout;
        Config = config;
        Device = device;
        Frontend = frontend;
        Weights = weights;
        Encoder = new SanmStreamingEncoder(weights, device);
        Quantizer = quantizer;
        Vq06 = vq06;
        LogMel = new WhisperLogMel(vq06.MelBins);
    }

    public TokenizerOptions Options { get; }

    public BundleLayout Layout { get; }

    public ParaformerConfig Config { get; }

    /// <summary>Where vq02 runs.</summary>
    public Device Device { get; }

    internal OnlineFrontend Frontend { get; }

    internal SanmEncoderWeights Weights { get; }

    internal SanmStreamingEncoder Encoder { get; }

    internal CentroidQuantizer Quantizer { get; }

    internal SpeechTokenizerV1 Vq06 { get; }

    internal WhisperLogMel LogMel { get; }

    /// <summary>
    /// Loads <paramref name="tokenizerDir"/> (a <c>Step-Audio-Tokenizer/</c> directory). Throws
    /// <see cref="BundleException"/> naming the file and the problem. Sets torch's thread count for the process.
    /// </summary>
    public static TokenizerModels Load(string tokenizerDir, TokenizerOptions? options = null, Action<string>? log = null)
    {
        options ??= new TokenizerOptions();
        var layout = new BundleLayout(Path.GetFullPath(tokenizerDir));
        layout.RequireFiles();
        ReadAhead.Start(layout.ModelPt, layout.SpeechTokenizerOnnx);

        var config = ParaformerConfig.Load(layout.ConfigYaml);
        if (config.Dither is { } configured && configured != options.Dither)
            log?.Invoke($"note: config.yaml sets dither {configured}; SpeechPairs uses --dither {options.Dither} (see README: dither)");
        else if (config.Dither is null && options.Dither == 0f)
            log?.Invoke("note: config.yaml has no dither key, so the Python reference dithers with 1.0 (unseeded); SpeechPairs uses 0 for reproducible tokens (see README: dither)");

        CmvnStats cmvn;
        try
        {
            cmvn = CmvnStats.Load(layout.AmMvn);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new BundleException(layout.AmMvn, e.Message, e);
        }
        if (cmvn.Dim != config.InputSize)
            throw new BundleException(layout.AmMvn, $"CMVN has {cmvn.Dim} values; config.yaml implies {config.NumMelBins}×{config.LfrM} = {config.InputSize}");

        var device = ComputeDevices.Select(options.Device, log);
        set_num_threads(TorchIntraOpThreads(options, device.type));

        // Cheap files first, so a broken bundle fails fast and before the big checkpoint is read. The checkpoint and
        // the ONNX session then load side by side (each is one core's work; together they are most of the start-up).
        var quantizer = CentroidQuantizer.Load(layout.Centroids, config.OutputSize, device);
        var weightsTask = Task.Run(() => SanmEncoderWeights.Load(layout.ModelPt, config, device));
        SpeechTokenizerV1? vq06 = null;
        try
        {
            vq06 = SpeechTokenizerV1.Load(layout.SpeechTokenizerOnnx, options.OnnxThreads);
            var weights = weightsTask.GetAwaiter().GetResult();
            var frontend = new OnlineFrontend(cmvn, config.NumMelBins, config.LfrM, config.LfrN);
            return new TokenizerModels(options, layout, config, device, frontend, weights, quantizer, vq06);
        }
        catch
        {
            quantizer.Dispose();
            vq06?.Dispose();
            ((IAsyncResult)weightsTask).AsyncWaitHandle.WaitOne();  // never leave the checkpoint reader running
            if (weightsTask.IsCompletedSuccessfully) weightsTask.Result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// torch's intra-op threads: 1 on the CPU, where the process's cores (<see cref="TokenizerOptions.TorchThreads"/>)
    /// run as that many single-threaded lanes instead — faster per core than one wide pool on small matrices, and a
    /// clip's codes then never depend on the thread count; <see cref="TokenizerOptions.TorchThreads"/> on a GPU.
    /// Set per process, so that N worker processes do not oversubscribe the machine. (Inter-op threads are left alone:
    /// nothing here uses them, and libtorch aborts the process when they are set after any parallel work has started.)
    /// </summary>
    public static int TorchIntraOpThreads(TokenizerOptions options, DeviceType device) =>
        device == DeviceType.CPU ? 1 : Math.Max(1, options.TorchThreads);

    /// <summary>Lanes the vq02 encoder runs its windows in: the process's cores on the CPU, one on a GPU.</summary>
    public int Vq02Lanes => Device.type == DeviceType.CPU ? Math.Max(1, Options.TorchThreads) : 1;

    public void Dispose()
    {
        Encoder.Dispose();
        Weights.Dispose();
        Quantizer.Dispose();
        Vq06.Dispose();
    }
}
