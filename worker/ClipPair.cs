namespace SpeechPairs.Worker;

/// <summary>A <c>.wav</c> and the <c>.lab</c> transcript of the same stem in the same directory.</summary>
/// <param name="Id">Relative path without extension, '/' separators: the key of the output line and of resume.</param>
/// <param name="RelWav">The WAV's path relative to the extract dir, '/' separators.</param>
/// <param name="RelLab">The transcript's path relative to the extract dir, '/' separators.</param>
/// <param name="WavPath">The WAV's full path on this machine.</param>
/// <param name="LabPath">The transcript's full path on this machine.</param>
public sealed record ClipPair(string Id, string RelWav, string RelLab, string WavPath, string LabPath);
