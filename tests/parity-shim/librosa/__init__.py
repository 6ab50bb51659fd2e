"""Test-only stub: Step-Audio's utils.py imports librosa for trim_silence, used only with trim on (the run here is trim off)."""
import _unused

__getattr__ = _unused.unused_module("librosa", "it serves only silence trimming, which this run leaves off")
