using Microsoft.Win32.SafeHandles;

namespace SpeechPairs.Tokenizer.Audio;

/// <summary>
/// An open, validated WAV file whose samples are decoded a range of frames at a time: a clip too long to hold whole
/// is read this way, as often as its passes need (see <see cref="WavReader.Open"/>).
/// </summary>
public sealed class WavFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _dataOffset;

    internal WavFile(string path, SafeFileHandle handle, WavInfo info, long dataOffset)
    {
        Path = path;
        _handle = handle;
        Info = info;
        _dataOffset = dataOffset;
    }

    public string Path { get; }

    public WavInfo Info { get; }

    /// <summary>Mono samples of frames [<paramref name="firstFrame"/>, + <paramref name="mono"/>.Length), exactly as <see cref="WavReader.Read"/> decodes them.</summary>
    /// <exception cref="AudioFormatException">A read fails or a float sample is NaN/Inf.</exception>
    public void ReadMono(long firstFrame, Span<float> mono) => WavReader.DecodeFrames(Path, _handle, Info, _dataOffset, firstFrame, mono);

    public void Dispose() => _handle.Dispose();
}
