"""Test-only stub: funasr_detach/register.py ends with `import funasr` (the PyPI FunASR, not on Debian); nothing uses it."""
import _unused

__getattr__ = _unused.unused_module("funasr", "the checkout's funasr_detach/register.py imports it and never uses it")
