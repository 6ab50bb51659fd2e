using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using SpeechPairs.Tokenizer.Bundle;
using TorchSharp;

namespace SpeechPairs.Tokenizer;

/// <summary>
/// The identity of everything besides the audio that decides a clip's codes: the bundle's file contents, the options
/// that change features or arithmetic, the device vq02 really runs on and this library's build. Computed without
/// loading the models, so a cache can be consulted before they load.
/// </summary>
/// <remarks>
/// Conservative on purpose: a needless miss costs one tokenization, a wrong hit costs a corrupt dataset. So thread
/// counts that reach the arithmetic are in (float reductions may split differently), and the build is this assembly's
/// MVID, which a deterministic build changes exactly when the compiled code changes.
/// </remarks>
public static class TokenizerIdentity
{
    /// <summary>
    /// The identity as lowercase hex. <paramref name="hashFile"/> gives a file's SHA-256 as hex (callers may remember
    /// them); it throws when a bundle file cannot be read.
    /// </summary>
    public static string Compute(string tokenizerDir, ModelOptions models, TokenizeOptions tokenize, Func<string, string> hashFile)
    {
        var text = new StringBuilder("speechpairs/tokenizer-settings/1\n");
        var library = typeof(TokenizerIdentity).Assembly;
        text.Append("tokenizer ")
            .Append(library.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?")
            .Append(' ').Append(library.ManifestModule.ModuleVersionId.ToString("N")).Append('\n');
        foreach (var (name, hash) in BundleHashes(tokenizerDir, hashFile))
            text.Append(name).Append(' ').Append(hash).Append('\n');
        var device = ResolvedDevice(models.Device);
        // What can move a code: torch's intra-op threads (always 1 on the CPU, where TorchThreads only sets the lanes).
        text.Append(CultureInfo.InvariantCulture,
            $"dither {BitConverter.SingleToInt32Bits(tokenize.Dither):x8}\ntrim {tokenize.Trim}\n" +
            $"device {device.ToString().ToLowerInvariant()}\ntorch_intra_op_threads {TokenizerModels.TorchIntraOpThreads(models, device)}\nonnx_threads {models.OnnxThreads}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Every bundle file's hash by its name in the bundle, in the bundle's order (the job identity uses them too).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> BundleHashes(string tokenizerDir, Func<string, string> hashFile) =>
        new BundleLayout(tokenizerDir).Files.Select(f => KeyValuePair.Create(f.Name, hashFile(f.Path))).ToArray();

    // "auto" is resolved because CPU and CUDA kernels need not agree to the last bit; "cpu" needs no libtorch start-up.
    private static DeviceType ResolvedDevice(ComputeDeviceKind kind) =>
        kind == ComputeDeviceKind.Cpu ? DeviceType.CPU : ComputeDevices.Select(kind).type;
}
