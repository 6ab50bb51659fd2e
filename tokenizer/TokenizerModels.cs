using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Features;
using SpeechPairs.Tokenizer.Vq02;
using SpeechPairs.Tokenizer.Vq06;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// The Step-Audio tokenizer bundle, loaded and checked once per process (the factory): every file is validated before
/// any audio is processed, and the heavy state lives here, in the <see cref="Vq02"/> and <see cref="Vq06"/> modules.
/// <see cref="CreateTokenizer"/> gives cheap <see cref="Vq0206Tokenizer"/> processors that carry the per-run options.
/// </summary>
public sealed class TokenizerModels : IDisposable
{
    private TokenizerModels(ModelOptions options, BundleLayout layout, ParaformerConfig config, Device device, Vq02Tokenizer vq02, Vq06Tokenizer vq06)
    {
        Options = options;
        Layout = layout;
        Config = config;
        Device = device;
        Vq02 = vq02;
        Vq06 = vq06;
    }

    public ModelOptions Options { get; }

    public BundleLayout Layout { get; }

    public ParaformerConfig Config { get; }

    /// <summary>Where vq02 runs.</summary>
    public Device Device { get; }

    /// <summary>vq02: front end, streaming encoder, nearest centroid.</summary>
    public Vq02Tokenizer Vq02 { get; }

    /// <summary>vq06: log-mel and the S3Tokenizer ONNX session.</summary>
    public Vq06Tokenizer Vq06 { get; }

    /// <summary>
    /// A processor for these models with <paramref name="options"/> (defaults: no dither, no trim). Cheap: every
    /// processor shares the loaded models. <paramref name="log"/> hears a note when config.yaml's dither differs.
    /// </summary>
    public Vq0206Tokenizer CreateTokenizer(TokenizeOptions? options = null, Action<string>? log = null)
    {
        options ??= new TokenizeOptions();
        if (Config.Dither is { } configured && configured != options.Dither)
            log?.Invoke($"note: config.yaml sets dither {configured}; SpeechPairs uses --dither {options.Dither} (see README: dither)");
        else if (Config.Dither is null && options.Dither == 0f)
            log?.Invoke("note: config.yaml has no dither key, so the Python reference dithers with 1.0 (unseeded); SpeechPairs uses 0 for reproducible tokens (see README: dither)");
        return new Vq0206Tokenizer(this, options);
    }

    /// <summary>
    /// Loads <paramref name="tokenizerDir"/> (a <c>Step-Audio-Tokenizer/</c> directory). Throws
    /// <see cref="BundleException"/> naming the file and the problem. Sets torch's thread count for the process.
    /// </summary>
    public static TokenizerModels Load(string tokenizerDir, ModelOptions? options = null, Action<string>? log = null)
    {
        options ??= new ModelOptions();
        var layout = new BundleLayout(Path.GetFullPath(tokenizerDir));
        layout.RequireFiles();
        ReadAhead.Start(layout.ModelPt, layout.SpeechTokenizerOnnx);

        var config = ParaformerConfig.Load(layout.ConfigYaml);

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
        var centroids = CentroidQuantizer.Load(layout.Centroids, config.OutputSize, device);
        var weightsTask = Task.Run(() => SanmEncoderWeights.Load(layout.ModelPt, config, device));
        SpeechTokenizerV1? vq06 = null;
        try
        {
            vq06 = SpeechTokenizerV1.Load(layout.SpeechTokenizerOnnx, options.OnnxThreads);
            var weights = weightsTask.GetAwaiter().GetResult();
            var frontend = new OnlineFrontend(cmvn, config.NumMelBins, config.LfrM, config.LfrN);
            // The CPU's cores run as lanes of one torch thread each; a GPU runs one lane.
            int vq02Lanes = device.type == DeviceType.CPU ? Math.Max(1, options.TorchThreads) : 1;
            return new TokenizerModels(options, layout, config, device,
                new Vq02Tokenizer(config, frontend, weights, centroids, device, vq02Lanes), new Vq06Tokenizer(vq06, options.EffectiveVq06Lanes));
        }
        catch
        {
            centroids.Dispose();
            vq06?.Dispose();
            ((IAsyncResult)weightsTask).AsyncWaitHandle.WaitOne();  // never leave the checkpoint reader running
            if (weightsTask.IsCompletedSuccessfully) weightsTask.Result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// torch's intra-op threads: 1 on the CPU, where the process's cores (<see cref="ModelOptions.TorchThreads"/>)
    /// run as that many single-threaded lanes instead — faster per core than one wide pool on small matrices, and a
    /// clip's codes then never depend on the thread count; <see cref="ModelOptions.TorchThreads"/> on a GPU.
    /// Set per process, so that N worker processes do not oversubscribe the machine. (Inter-op threads are left alone:
    /// nothing here uses them, and libtorch aborts the process when they are set after any parallel work has started.)
    /// </summary>
    public static int TorchIntraOpThreads(ModelOptions options, DeviceType device) =>
        device == DeviceType.CPU ? 1 : Math.Max(1, options.TorchThreads);

    public void Dispose()
    {
        Vq02.Dispose();
        Vq06.Dispose();
    }
}
