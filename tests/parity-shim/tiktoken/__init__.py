"""Test-only stub: whisper's text tokenizer imports tiktoken and names tiktoken.Encoding in a dataclass annotation at
import time; log_mel_spectrogram never uses it. Creating an Encoding fails."""


class Encoding:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("test-only stub: tiktoken.Encoding was used (only whisper's text decoding needs it)")
