using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Worker.Tokenizing;
using TorchSharp;

namespace SpeechPairs.Worker.TokenCache;

/// <summary>
/// The cache key of everything besides the audio that decides a clip's tokens: the bundle's file contents, the
/// options that change features or arithmetic, the device vq02 really runs on and the tokenizer's build.
/// </summary>
/// <remarks>
/// Conservative on purpose: a needless miss costs one tokenization, a wrong hit costs a corrupt dataset. So thread
/// counts are in (float reductions may split differently), and the tokenizer's build is its assembly's MVID, which a
/// deterministic build changes exactly when the compiled code changes, not only when someone remembers a version bump.
/// </remarks>
public static class TokenizerSettingsKey
{
    /// <summary>The key as lowercase hex. Throws when a bundle file cannot be read.</summary>
    /// <param name="hashMemo">Where file hashes are remembered by (path, size, time), e.g. <see cref="MemoPathFor"/>; null reads every bundle file.</param>
    public static string Compute(TokenizerSetup setup, string? hashMemo = null)
    {
        var memo = new FileHashMemo(hashMemo);
        var options = setup.Options;
        var layout = new BundleLayout(setup.TokenizerDir);
        var text = new StringBuilder("speechpairs/tokenizer-settings/1\n");
        var tokenizer = typeof(Vq0206Tokenizer).Assembly;
        text.Append("tokenizer ")
            .Append(tokenizer.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?")
            .Append(' ').Append(tokenizer.ManifestModule.ModuleVersionId.ToString("N")).Append('\n');
        foreach (var (name, hash) in BundleHashes(layout, memo))
            text.Append(name).Append(' ').Append(hash).Append('\n');
        memo.Save();
        var device = ResolvedDevice(options.Device);
        // What can move a code: torch's intra-op threads (always 1 on the CPU, where TorchThreads only sets the lanes).
        text.Append(CultureInfo.InvariantCulture,
            $"dither {BitConverter.SingleToInt32Bits(options.Dither):x8}\ntrim {options.Trim}\n" +
            $"device {device.ToString().ToLowerInvariant()}\ntorch_intra_op_threads {TokenizerModels.TorchIntraOpThreads(options, device)}\nonnx_threads {options.OnnxThreads}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>SHA-256 of every bundle file by its name in the bundle: the bundle's part of the job identity and of this key.</summary>
    internal static IEnumerable<KeyValuePair<string, string>> BundleHashes(BundleLayout layout, FileHashMemo memo) =>
        layout.Files.Select(f => KeyValuePair.Create(f.Name, memo.Hash(f.Path))).ToArray();

    /// <summary>The bundle-hash memo kept beside a cache.</summary>
    public static string MemoPathFor(string cachePath) => cachePath + ".file-hashes.tsv";

    // "auto" is resolved because CPU and CUDA kernels need not agree to the last bit; "cpu" needs no libtorch start-up.
    private static DeviceType ResolvedDevice(ComputeDeviceKind kind) =>
        kind == ComputeDeviceKind.Cpu ? DeviceType.CPU : ComputeDevices.Select(kind).type;
}
