"""Test-only stub: Step-Audio's model_loader.py imports the LLM loaders from transformers; the audio tokenizer never uses them."""


class _Unused:
    def __init__(self, *args, **kwargs):
        raise RuntimeError(f"test-only stub: transformers.{type(self).__name__} was used")

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        raise RuntimeError(f"test-only stub: transformers.{cls.__name__}.from_pretrained was used")


class AutoModelForCausalLM(_Unused):
    pass


class AutoTokenizer(_Unused):
    pass


class BitsAndBytesConfig(_Unused):
    pass
