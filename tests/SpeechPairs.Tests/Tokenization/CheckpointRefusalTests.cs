using System.IO.Compression;
using System.Text;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Tokenizer.Bundle.Checkpoint;

namespace SpeechPairs.Tests.Tokenization;

/// <summary>
/// Crafted hostile or broken checkpoints are refused with a message naming the problem; nothing in a pickle is
/// ever executed or constructed beyond tensor descriptions and containers.
/// </summary>
public sealed class CheckpointRefusalTests
{
    [SkippableFact]
    public void APickleAskingForOsSystemIsRefused()
    {
        using var temp = new TempDir();
        string path = Zip(temp, Pickle(2, Global("os", "system"), Str("touch pwned"), [0x85, (byte)'R']));
        var e = Assert.Throws<BundleException>(() => TorchCheckpoint.Open(path));
        Assert.Contains("'os.system'", e.Message);
        Assert.Contains("refused", e.Message);
        Assert.False(File.Exists("pwned"));
    }

    [SkippableFact]
    public void AStackGlobalAskingForEvalIsRefused()
    {
        using var temp = new TempDir();
        // Protocol 4 names globals from the stack (STACK_GLOBAL) instead of the GLOBAL opcode's text.
        string path = Zip(temp, Pickle(4, ShortStr("builtins"), ShortStr("eval"), [0x93], Str("1+1"), [0x85, (byte)'R']));
        var e = Assert.Throws<BundleException>(() => TorchCheckpoint.Open(path));
        Assert.Contains("'builtins.eval'", e.Message);
    }

    [SkippableFact]
    public void AHostileLegacyPickleIsRefusedThroughTheTokenizer()
    {
        using var temp = new TempDir();
        string root = BundleCopy.Make(temp);
        var layout = new BundleLayout(root);
        byte[] magic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.'];
        byte[] protocol = [0x80, 0x02, (byte)'M', 0xe9, 0x03, (byte)'.'];
        byte[] sysInfo = Pickle(2, [(byte)'}', (byte)'('], Str("little_endian"), [0x88, (byte)'u']);
        byte[] hostile = Pickle(2, Global("builtins", "exec"), Str("import os"), [0x85, (byte)'R']);
        File.WriteAllBytes(layout.ModelPt, [.. magic, .. protocol, .. sysInfo, .. hostile]);
        var e = Assert.Throws<BundleException>(() => TokenizerModels.Load(root, new ModelOptions { Device = ComputeDeviceKind.Cpu }));
        Assert.Equal(layout.ModelPt, e.Path);
        Assert.Contains("legacy", e.Message);
        Assert.Contains("'builtins.exec'", e.Message);
    }

    [SkippableFact]
    public void AFileThatIsNotACheckpointIsRefused()
    {
        using var temp = new TempDir();
        string path = temp.Write("model.pt", Encoding.ASCII.GetBytes("<html>404 not found</html>"));
        var e = Assert.Throws<BundleException>(() => TorchCheckpoint.Open(path));
        Assert.Contains("not a PyTorch checkpoint", e.Message);
    }

    [SkippableFact]
    public void AZipWithoutDataPklIsRefused()
    {
        using var temp = new TempDir();
        string path = temp.Combine("model.pt");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            zip.CreateEntry("archive/readme.txt");
        var e = Assert.Throws<BundleException>(() => TorchCheckpoint.Open(path));
        Assert.Contains("data.pkl", e.Message);
    }

    [SkippableFact]
    public void ATensorReachingPastItsStorageIsRefused()
    {
        using var temp = new TempDir();
        // 8 elements asked of a 4-element storage, as a hostile file would to read beyond what it declares.
        string path = Zip(temp, StateDictWithOneTensor(storageNumel: 4, size: 8), storageBytes: 16);
        var e = Assert.Throws<BundleException>(() => TorchCheckpoint.Open(path));
        Assert.Contains("reaches past its storage", e.Message);
    }

    [SkippableFact]
    public void AStorageSizeTheZipDoesNotHoldIsRefused()
    {
        using var temp = new TempDir();
        string path = Zip(temp, StateDictWithOneTensor(storageNumel: 1 << 28, size: 4), storageBytes: 16);
        var e = Assert.Throws<BundleException>(() => TorchCheckpoint.Open(path));
        Assert.Contains("has 16 bytes", e.Message);
    }

    [SkippableFact]
    public void AStringLongerThanTheFileIsRefusedBeforeAllocating()
    {
        using var temp = new TempDir();
        string path = Zip(temp, Pickle(2, [(byte)'X', 0xff, 0xff, 0xff, 0x7f]));
        var e = Assert.Throws<BundleException>(() => TorchCheckpoint.Open(path));
        Assert.Contains("claims 2147483647 bytes", e.Message);
    }

    [SkippableFact]
    public void AWellFormedCraftedStateDictReadsItsValues()
    {
        // The crafted writer above is itself right: the same bytes with a fitting size load.
        using var temp = new TempDir();
        byte[] data = new byte[16];
        for (int i = 0; i < 4; i++) BitConverter.GetBytes(i + 0.5f).CopyTo(data, 4 * i);
        string path = Zip(temp, StateDictWithOneTensor(storageNumel: 4, size: 3, offset: 1), storageBytes: 16, data);
        using var checkpoint = TorchCheckpoint.Open(path);
        using var t = checkpoint.ReadFloat32(checkpoint.Tensors["w"]);
        Assert.Equal([1.5f, 2.5f, 3.5f], t.data<float>().ToArray());
    }

    private static byte[] StateDictWithOneTensor(long storageNumel, byte size, byte offset = 0) => Pickle(2,
        [(byte)'}', (byte)'('], Str("w"), Global("torch._utils", "_rebuild_tensor_v2"),
        [(byte)'(', (byte)'('], Str("storage"), Global("torch", "FloatStorage"), Str("0"), Str("cpu"),
        [(byte)'J', .. BitConverter.GetBytes((int)storageNumel), (byte)'t', (byte)'Q'],
        [(byte)'K', offset, (byte)'K', size, 0x85, (byte)'K', 1, 0x85, 0x89],
        Global("collections", "OrderedDict"), [(byte)')', (byte)'R', (byte)'t', (byte)'R', (byte)'u']);

    private static byte[] Pickle(byte protocol, params byte[][] parts) => [0x80, protocol, .. parts.SelectMany(p => p), (byte)'.'];

    private static byte[] Global(string module, string name) => [(byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n")];

    private static byte[] Str(string s) => [(byte)'X', .. BitConverter.GetBytes(s.Length), .. Encoding.UTF8.GetBytes(s)];

    private static byte[] ShortStr(string s) => [0x8c, (byte)s.Length, .. Encoding.UTF8.GetBytes(s)];

    private static string Zip(TempDir temp, byte[] dataPkl, int storageBytes = 0, byte[]? storage = null)
    {
        string path = temp.Combine("model.pt");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(dataPkl);
        if (storageBytes > 0)
            using (var s = zip.CreateEntry("archive/data/0", CompressionLevel.NoCompression).Open()) s.Write(storage ?? new byte[storageBytes]);
        return path;
    }
}
