# Builds a full-size, random-weight stand-in for CosyVoice's speech_tokenizer_v1.onnx (S3Tokenizer v1, 25 Hz:
# 128 mels, state 1280, 20 heads, 6 layers, 4096 codes; ~523 MB) for `bench -- tokenizer|pipeline|longclip --onnx`.
# Run once, outside the repository:  /usr/bin/python3 bench/models/build_full_size_vq06.py /some/dir/speech_tokenizer_v1.onnx
# (Debian: apt-get install python3-torch python3-onnx). Random weights: for timing only, never for real tokens.
import math, sys, torch
from torch import nn
import torch.nn.functional as F

N_MELS, STATE, HEADS, LAYERS, CODES, CTX = 128, 1280, 20, 6, 4096, 1500

def sinusoid_table(length, channels):
    half = channels // 2
    inc = math.log(10000.0) / (half - 1)
    inv = torch.exp(-inc * torch.arange(half, dtype=torch.float32))
    t = torch.arange(length, dtype=torch.float32)[:, None] * inv[None, :]
    return torch.cat([t.sin(), t.cos()], dim=1)

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn_ln = nn.LayerNorm(STATE)
        self.q = nn.Linear(STATE, STATE)
        self.k = nn.Linear(STATE, STATE, bias=False)
        self.v = nn.Linear(STATE, STATE)
        self.o = nn.Linear(STATE, STATE)
        self.mlp_ln = nn.LayerNorm(STATE)
        self.fc1 = nn.Linear(STATE, 4 * STATE)
        self.fc2 = nn.Linear(4 * STATE, STATE)

    def forward(self, x, bias):
        b, t, _ = x.shape
        h = self.attn_ln(x)
        s = (STATE // HEADS) ** -0.25
        q = self.q(h).view(b, t, HEADS, -1).permute(0, 2, 1, 3) * s
        k = self.k(h).view(b, t, HEADS, -1).permute(0, 2, 3, 1) * s
        v = self.v(h).view(b, t, HEADS, -1).permute(0, 2, 1, 3)
        w = torch.softmax(q @ k + bias, dim=-1)
        x = x + self.o((w @ v).permute(0, 2, 1, 3).reshape(b, t, STATE))
        return x + self.fc2(F.gelu(self.fc1(self.mlp_ln(x))))

class Tokenizer(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(N_MELS, STATE, 3, stride=2, padding=1)
        self.conv2 = nn.Conv1d(STATE, STATE, 3, stride=2, padding=1)
        self.register_buffer("pos", sinusoid_table(CTX, STATE))
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.register_buffer("codebook", F.normalize(torch.randn(CODES, STATE), dim=-1))

    def forward(self, feats, feats_length):
        n = feats_length.to(torch.int64)
        def mask(length, frames):
            return (torch.arange(frames)[None, :] < length[:, None]).to(feats.dtype)
        x = F.gelu(self.conv1(feats * mask(n, feats.shape[2])[:, None, :]))
        n = (n - 1) // 2 + 1
        x = F.gelu(self.conv2(x * mask(n, x.shape[2])[:, None, :]))
        n = (n - 1) // 2 + 1
        keep = mask(n, x.shape[2])
        x = x.permute(0, 2, 1) + self.pos[: x.shape[2]]
        bias = ((1.0 - keep) * -1e10)[:, None, None, :]
        for block in self.blocks:
            x = block(x, bias)
        x = F.normalize(x, p=2, dim=-1)
        e = self.codebook.t()
        score = -(x.pow(2).sum(-1, keepdim=True) - 2 * x @ e + e.pow(2).sum(0, keepdim=True))
        return score.argmax(-1).unsqueeze(0)

torch.manual_seed(0)
model = Tokenizer().eval()
feats = torch.randn(1, N_MELS, 3000)
length = torch.tensor([3000], dtype=torch.int32)
with torch.no_grad():
    torch.onnx.export(model, (feats, length), sys.argv[1], opset_version=17,
                      input_names=["feats", "feats_length"], output_names=["indices"],
                      dynamic_axes={"feats": {2: "T"}, "indices": {2: "T_tokens"}})
print("params", sum(p.numel() for p in model.parameters()) + model.codebook.numel())
