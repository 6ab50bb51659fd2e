"""Test-only stub: S3Tokenizer's model.py imports einops.rearrange; the two patterns it uses are plain reshapes.

Any other pattern fails, so nothing can depend on a rearrange this stub does not do exactly.
"""


def rearrange(tensor, pattern):
    if pattern == "... d -> (...) d":
        return tensor.reshape(-1, tensor.shape[-1])
    if pattern == "b n d -> b d n":
        return tensor.permute(0, 2, 1)
    raise RuntimeError(f"test-only einops stub: pattern {pattern!r} is not implemented")
