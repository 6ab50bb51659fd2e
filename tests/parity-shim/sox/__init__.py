"""Test-only stub: Step-Audio's utils.py imports sox for its volume and speed helpers, which the tokenizer never calls."""
import _unused

__getattr__ = _unused.unused_module("sox", "the tokenizer never calls the helpers that use it")
