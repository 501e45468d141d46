"""llama2.c "legacy" (version 0) checkpoints as a PyTorch module.

File layout (little-endian): a header of seven int32 `dim, hidden_dim, n_layers, n_heads, n_kv_heads,
vocab_size, seq_len` (a negative vocab_size means the classifier is stored separately), then float32
arrays in this order:

    token_embedding [vocab, dim]     rms_att [L, dim]
    wq [L, dim, dim]                 wk [L, kv_dim, dim]        wv [L, kv_dim, dim]
    wo [L, dim, dim]                 rms_ffn [L, dim]
    w1 [L, hidden, dim]              w2 [L, dim, hidden]        w3 [L, hidden, dim]
    rms_final [dim]                  freq_cis_real, freq_cis_imag [seq_len, head_size/2]
    wcls [vocab, dim]                (only when vocab_size < 0)

with kv_dim = dim * n_kv_heads / n_heads. Every matrix is [d_out, d_in] (llama2.c computes W @ x),
so it is an `nn.Linear` weight as stored.

The module mirrors llama2.c's forward pass: RMSNorm (eps 1e-5), rotary embeddings that rotate the
interleaved pairs (2i, 2i+1) of every head by pos * 10000^(-2i/head_size), grouped-query causal
attention (query head h reads key/value head h // (n_heads / n_kv_heads)), the SwiGLU feed-forward
w2(silu(w1 x) * w3 x), a final RMSNorm and the classifier (the embedding matrix when shared).
Its attribute names give the layer names `layers.N.attention.wq|wk|wv|wo`,
`layers.N.feed_forward.w1|w2|w3` and `output`.
"""

import hashlib
import math
import os
import struct
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .errors import CaptureError
from .paths import require_regular_file

_HEADER = struct.Struct("<7i")
_FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")
# Generous bounds, as core/io/llama2c_checkpoint.cpp's (the largest Llama has dim 16384, hidden 53248,
# 126 layers, vocab 128256). |vocab_size| is at least 2 because sampling and text start from BOS, id 1.
_BOUNDS = {"dim": (1, 1 << 16), "hidden_dim": (1, 1 << 18), "n_layers": (1, 1024), "n_heads": (1, 1 << 16),
           "n_kv_heads": (1, 1 << 16), "vocab_size": (2, 1 << 22), "seq_len": (1, 1 << 22)}
# llama2.c's export.py writes versioned files (version 1, 2, ...) that start with this magic.
_VERSIONED_MAGIC = 0x616B3432


@dataclass(frozen=True)
class Llama2cConfig:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    shared_classifier: bool

    @property
    def head_size(self):
        return self.dim // self.n_heads

    @property
    def kv_dim(self):
        return self.head_size * self.n_kv_heads

    def n_params(self):
        """Parameters of the model (the embedding counted once when the classifier shares it)."""
        d, h, L, v = self.dim, self.hidden_dim, self.n_layers, self.vocab_size
        per_layer = 2 * d + 2 * d * d + 2 * self.kv_dim * d + 3 * h * d
        return v * d + L * per_layer + d + (0 if self.shared_classifier else v * d)

    def pass_bytes(self, batch, seq_len):
        """An upper estimate of the working memory (bytes) of one pass over `batch` sequences of `seq_len`
        tokens, teacher-forced or sampled with the KV cache; the weights are not counted."""
        d, h, v = self.dim, self.hidden_dim, self.vocab_size
        per_token = 4 * (12 * d + 3 * h + 2 * v)            # residual, norms, q/k/v and rotated copies, SwiGLU, logits
        per_token += 8 * 2 * v                               # sampling's softmax and CDF, in float64
        per_token += 4 * 2 * 2 * self.n_layers * self.kv_dim  # K and V caches, twice while torch.cat grows them
        per_token += 4 * 2 * self.n_heads * seq_len          # scores [heads, T, S]: two alive as each step copies
        return batch * seq_len * per_token

    def describe(self):
        return (f"dim={self.dim} hidden={self.hidden_dim} layers={self.n_layers} heads={self.n_heads} "
                f"kv_heads={self.n_kv_heads} vocab={self.vocab_size} seq_len={self.seq_len} "
                f"shared_classifier={self.shared_classifier} params={self.n_params()}")


def _array_shapes(c):
    """(name, shape) of every float32 array of the file, in file order."""
    L, d, h, kv, v = c.n_layers, c.dim, c.hidden_dim, c.kv_dim, c.vocab_size
    half = c.head_size // 2
    shapes = [
        ("token_embedding", (v, d)), ("rms_att", (L, d)),
        ("wq", (L, d, d)), ("wk", (L, kv, d)), ("wv", (L, kv, d)), ("wo", (L, d, d)),
        ("rms_ffn", (L, d)),
        ("w1", (L, h, d)), ("w2", (L, d, h)), ("w3", (L, h, d)),
        ("rms_final", (d,)),
        ("freq_cis_real", (c.seq_len, half)), ("freq_cis_imag", (c.seq_len, half)),
    ]
    if not c.shared_classifier:
        shapes.append(("wcls", (v, d)))
    return shapes


def _header_problem(fields):
    """What makes a header unusable, naming the field, or None. Each value is checked before any is used:
    a zero n_kv_heads would divide by zero, a vocab of 1 holds no BOS to start from, and n_heads that do
    not divide dim would only fail in the first forward pass, with an IndexError or a reshape error."""
    values = dict(zip(_FIELDS, fields))
    for name, (lo, hi) in _BOUNDS.items():
        value = abs(values[name]) if name == "vocab_size" else values[name]
        if not lo <= value <= hi:
            what = "|vocab_size|" if name == "vocab_size" and values[name] < 0 else name
            return f"{what} is {value}; it must lie in {lo}..{hi}"
    if values["dim"] % values["n_heads"]:
        return f"dim {values['dim']} does not divide by n_heads {values['n_heads']}"
    if values["n_heads"] % values["n_kv_heads"]:
        return f"n_heads {values['n_heads']} does not divide by n_kv_heads {values['n_kv_heads']}"
    if (values["dim"] // values["n_heads"]) % 2:
        return (f"the head size dim / n_heads = {values['dim'] // values['n_heads']} is odd; "
                "rotary embeddings rotate pairs")
    return None


def read_checkpoint(path):
    """Reads a version-0 llama2.c checkpoint: (Llama2cConfig, {name: float32 numpy array})."""
    require_regular_file(path, "checkpoint")
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(_HEADER.size)
    except OSError as e:
        raise CaptureError(f"{path}: cannot read the checkpoint ({e.strerror or e})") from None
    if len(head) < _HEADER.size:
        raise CaptureError(f"{path}: {size} bytes, shorter than the 28-byte header of a llama2.c checkpoint")
    fields = _HEADER.unpack(head)
    if fields[0] == _VERSIONED_MAGIC:
        raise CaptureError(f"{path}: a versioned llama2.c export (magic 'ak42', version {fields[1]}); "
                           "only the legacy version-0 checkpoint format is supported")
    problem = _header_problem(fields)
    if problem:
        header = " ".join(f"{name}={value}" for name, value in zip(_FIELDS, fields))
        raise CaptureError(f"{path}: not a usable llama2.c checkpoint: {problem} (header: {header})")
    dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = fields
    c = Llama2cConfig(dim, hidden, n_layers, n_heads, n_kv_heads, abs(vocab), seq_len, vocab > 0)
    shapes = _array_shapes(c)
    n_floats = sum(math.prod(s) for _, s in shapes)
    expected = _HEADER.size + 4 * n_floats
    if size != expected:
        kind = "truncated" if size < expected else "longer than its header says"
        raise CaptureError(f"{path}: {kind}: the header ({c.describe()}) needs {expected} bytes, "
                           f"the file has {size}")
    data = np.fromfile(path, dtype="<f4", offset=_HEADER.size)
    if data.size != n_floats:
        raise CaptureError(f"{path}: read {data.size} floats, expected {n_floats}")
    arrays, at = {}, 0
    for name, shape in shapes:
        n = math.prod(shape)
        arrays[name] = data[at:at + n].reshape(shape)
        at += n
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            raise CaptureError(f"{path}: array {name} holds a non-finite value (NaN or Inf)")
    return c, arrays


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def rope_tables(head_size, seq_len, theta=10000.0):
    """cos and sin [seq_len, head_size/2] of pos * theta^(-2i/head_size), computed in float64."""
    i = torch.arange(0, head_size, 2, dtype=torch.float64)
    freq = theta ** (-i / head_size)
    angle = torch.outer(torch.arange(seq_len, dtype=torch.float64), freq)
    return torch.cos(angle).float(), torch.sin(angle).float()


def apply_rope(x, cos, sin):
    """Rotates the pairs (2i, 2i+1) of the last axis of x [B, T, H, hs] by the angles of cos/sin [T, hs/2]."""
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    x0, x1 = pairs[..., 0], pairs[..., 1]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).reshape(x.shape)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        mean_square = x.pow(2).mean(-1, keepdim=True)
        out = self.weight * (x * torch.rsqrt(mean_square + self.eps))
        # |x| beyond ~1e19 overflows float32's squares: the mean is Inf and the row would be normalised to 0
        # (and below ~1e-23 they underflow to 0). Such rows are redone in float64 and cast back, as the C++
        # forward pass does (core/model/llama_forward.cpp); ordinary rows keep llama2.c's float arithmetic.
        redo = ~torch.isfinite(mean_square) | ((mean_square == 0) & (x != 0).any(-1, keepdim=True))
        if redo.any():
            rows = redo.squeeze(-1)
            wide = x[rows].double()
            scale = torch.rsqrt(wide.pow(2).mean(-1, keepdim=True) + self.eps)
            out[rows] = (self.weight.double() * (wide * scale)).to(out.dtype)
        return out


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_size = c.n_heads, c.n_kv_heads, c.head_size
        self.wq = nn.Linear(c.dim, c.dim, bias=False)
        self.wk = nn.Linear(c.dim, c.kv_dim, bias=False)
        self.wv = nn.Linear(c.dim, c.kv_dim, bias=False)
        self.wo = nn.Linear(c.dim, c.dim, bias=False)

    def forward(self, x, cos, sin, cache=None):
        B, T, _ = x.shape
        q = apply_rope(self.wq(x).view(B, T, self.n_heads, self.head_size), cos, sin)
        k = apply_rope(self.wk(x).view(B, T, self.n_kv_heads, self.head_size), cos, sin)
        v = self.wv(x).view(B, T, self.n_kv_heads, self.head_size)
        if cache is not None:
            if "k" in cache:
                k = torch.cat((cache["k"], k), dim=1)
                v = torch.cat((cache["v"], v), dim=1)
            cache["k"], cache["v"] = k, v
        S = k.shape[1]          # keys visible: the cached positions plus these T
        group = self.n_heads // self.n_kv_heads
        k = k.repeat_interleave(group, dim=2).transpose(1, 2)    # [B, H, S, hs]
        v = v.repeat_interleave(group, dim=2).transpose(1, 2)
        q = q.transpose(1, 2)                                   # [B, H, T, hs]
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_size)
        causal = torch.ones(T, S, dtype=torch.bool, device=x.device).tril(diagonal=S - T)
        scores = scores.masked_fill(~causal, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v                 # [B, H, T, hs]
        return self.wo(out.transpose(1, 2).reshape(B, T, self.n_heads * self.head_size))


class FeedForward(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.w1 = nn.Linear(c.dim, c.hidden_dim, bias=False)
        self.w2 = nn.Linear(c.hidden_dim, c.dim, bias=False)
        self.w3 = nn.Linear(c.dim, c.hidden_dim, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention_norm = RMSNorm(c.dim)
        self.attention = Attention(c)
        self.ffn_norm = RMSNorm(c.dim)
        self.feed_forward = FeedForward(c)

    def forward(self, x, cos, sin, cache=None):
        h = x + self.attention(self.attention_norm(x), cos, sin, cache)
        return h + self.feed_forward(self.ffn_norm(h))


class Llama2c(nn.Module):
    """The Llama-2 architecture of llama2.c. forward(tokens [B, T] or [T]) -> logits [B, T, vocab]."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.tok_embeddings = nn.Embedding(config.vocab_size, config.dim)
        self.layers = nn.ModuleList(TransformerBlock(config) for _ in range(config.n_layers))
        self.norm = RMSNorm(config.dim)
        self.output = nn.Linear(config.dim, config.vocab_size, bias=False)
        if config.shared_classifier:
            self.output.weight = self.tok_embeddings.weight
        cos, sin = rope_tables(config.head_size, config.seq_len)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)

    def forward(self, tokens, start_pos=0, caches=None):
        if tokens.dim() == 1:
            tokens = tokens[None]
        T = tokens.shape[1]
        if start_pos + T > self.config.seq_len:
            raise CaptureError(f"a sequence of {start_pos + T} tokens is longer than the model's "
                               f"seq_len {self.config.seq_len}")
        cos = self.rope_cos[start_pos:start_pos + T]
        sin = self.rope_sin[start_pos:start_pos + T]
        x = self.tok_embeddings(tokens)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i])
        return self.output(self.norm(x))

    def step_function(self):
        """A `step(new_tokens [B, t], state) -> (logits of the last position [B, V], state)` with a KV cache."""
        def step(new_tokens, state):
            if state is None:
                state = {"pos": 0, "caches": [{} for _ in self.layers]}
            logits = self(new_tokens, start_pos=state["pos"], caches=state["caches"])
            state["pos"] += new_tokens.shape[1]
            return logits[:, -1], state
        return step

    @torch.no_grad()
    def generate_greedy(self, n_tokens, bos=1):
        """llama2.c's `-t 0`: argmax decoding from BOS. Returns [bos, t1, ..., t_n]."""
        step = self.step_function()
        tokens, state = [bos], None
        for _ in range(n_tokens):
            logits, state = step(torch.tensor([[tokens[-1]]]), state)
            tokens.append(int(torch.argmax(logits[0])))
        return tokens


def load_llama2c(path):
    """Loads a version-0 llama2.c checkpoint into a `Llama2c` module (float32, eval mode)."""
    c, a = read_checkpoint(path)
    model = Llama2c(c)
    with torch.no_grad():
        model.tok_embeddings.weight.copy_(torch.from_numpy(a["token_embedding"]))
        for i, layer in enumerate(model.layers):
            layer.attention_norm.weight.copy_(torch.from_numpy(a["rms_att"][i]))
            layer.ffn_norm.weight.copy_(torch.from_numpy(a["rms_ffn"][i]))
            for name in ("wq", "wk", "wv", "wo"):
                getattr(layer.attention, name).weight.copy_(torch.from_numpy(a[name][i]))
            for name in ("w1", "w2", "w3"):
                getattr(layer.feed_forward, name).weight.copy_(torch.from_numpy(a[name][i]))
        model.norm.weight.copy_(torch.from_numpy(a["rms_final"]))
        if not c.shared_classifier:
            model.output.weight.copy_(torch.from_numpy(a["wcls"]))
    model.checkpoint_freq_cis = (a["freq_cis_real"], a["freq_cis_imag"])
    return model.eval()
