"""An independent PyTorch Llama: the reference that `layerlens-cli eval-model` is checked against.

Written plainly, the way a PyTorch user would, and sharing no code with LayerLens or with
scripts/layerlens_capture: float32 weights and activations, whole-tensor operations, every sequence
run whole (only the sampler keeps a KV cache).

Model: token embedding -> n_layers x [x += wo(attention(rmsnorm(x))); x += w2(silu(w1 h) * w3 h) with
h = rmsnorm(x)] -> rmsnorm -> classifier. RMSNorm is x / sqrt(mean(x^2) + eps) * weight. Attention is
causal and grouped-query: query head h reads key/value head h // (n_heads / n_kv_heads). Rotary
embeddings rotate, in every head, pair i by the angle pos * theta^(-2i/head_size); the pairs are
(2i, 2i+1) in llama2.c's layout ("interleaved") and (i, i + head_size/2) in Hugging Face's
("half"). Converting llama2.c to HF therefore reorders the rows of wq and wk within every head: new
row i holds old row 2i and new row head_size/2 + i old row 2i+1 (what HF's conversion script does for
Meta checkpoints).

Files:
  llama2.c version 0 .bin: seven int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
      seq_len; vocab_size < 0 means a separate classifier), then float32 arrays: embedding [V, d],
      attention norms [L, d], wq [L, d, d], wk [L, kv, d], wv [L, kv, d], wo [L, d, d], ffn norms [L, d],
      w1 [L, h, d], w2 [L, d, h], w3 [L, h, d], final norm [d], freq_cis real and imag
      [seq_len, head_size/2], classifier [V, d] when separate. Weights are [d_out, d_in].
  Hugging Face directory: config.json + model.safetensors (or a sharded model.safetensors.index.json);
      safetensors is an 8-byte little-endian header length, a JSON header {name: {dtype, shape,
      data_offsets}} and the raw little-endian data, parsed here by hand.

Metrics (over every sequence and the positions t = 0..T-2 that predict a next token, in float64):
  perplexity = exp(mean -log p(tok[t+1] | tok[..t])),  kl = mean sum_v p_dense log(p_dense / p_other).
"""

import json
import math
import os
import struct
from dataclasses import dataclass, field, replace

import numpy as np
import torch

BOS = 1
LLAMA2C_HEADER = struct.Struct("<7i")
LINEAR_NAMES = ("wq", "wk", "wv", "wo", "w1", "w2", "w3")
LINEAR_PATHS = {"wq": "attention.wq", "wk": "attention.wk", "wv": "attention.wv", "wo": "attention.wo",
                "w1": "feed_forward.w1", "w2": "feed_forward.w2", "w3": "feed_forward.w3"}
HF_NAMES = {"attention_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
            "wq": "self_attn.q_proj", "wk": "self_attn.k_proj", "wv": "self_attn.v_proj", "wo": "self_attn.o_proj",
            "w1": "mlp.gate_proj", "w3": "mlp.up_proj", "w2": "mlp.down_proj"}
SAFETENSORS_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "F16": np.dtype("<f2"), "BF16": None}


class ModelFileError(Exception):
    """A file that is not the model it claims to be; the message names the file."""


@dataclass(frozen=True)
class Config:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int
    seq_len: int
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    rope: str = "interleaved"      # llama2.c pairs (2i, 2i+1); "half": HF pairs (i, i + head/2)
    tied: bool = True              # the classifier is the token embedding

    @property
    def head_size(self):
        return self.dim // self.n_heads

    @property
    def kv_dim(self):
        return self.head_size * self.n_kv_heads


@dataclass
class Model:
    config: Config
    embedding: torch.Tensor                        # [V, d]
    blocks: list                                   # dicts: attention_norm, ffn_norm, wq ... w3
    final_norm: torch.Tensor                       # [d]
    classifier: torch.Tensor = None                # [V, d]; None when tied
    extra: dict = field(default_factory=dict)      # freq_cis tables of a llama2.c file

    def output_weight(self):
        return self.embedding if self.config.tied else self.classifier

    def linears(self):
        """{"layers.N.attention.wq": W, ...} in forward order (the 7 linears of every block)."""
        return {f"layers.{i}.{LINEAR_PATHS[n]}": b[n] for i, b in enumerate(self.blocks) for n in LINEAR_NAMES}


def check_config(c, path):
    values = (c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len)
    if min(values) <= 0:
        raise ModelFileError(f"{path}: a size is zero or negative: {c}")
    if c.dim % c.n_heads or c.n_heads % c.n_kv_heads or c.head_size % 2:
        raise ModelFileError(f"{path}: {c.n_heads} heads, {c.n_kv_heads} kv heads and dim {c.dim} do not fit "
                             "(dim % heads, heads % kv_heads and the head size's parity)")


# ----------------------------------------------------------------------------------------------------
# llama2.c


def llama2c_arrays(c):
    """(name, shape) of the float32 arrays of a version-0 checkpoint, in file order."""
    L, d, h, kv, V = c.n_layers, c.dim, c.hidden_dim, c.kv_dim, c.vocab_size
    arrays = [("embedding", (V, d)), ("attention_norm", (L, d)), ("wq", (L, d, d)), ("wk", (L, kv, d)),
              ("wv", (L, kv, d)), ("wo", (L, d, d)), ("ffn_norm", (L, d)), ("w1", (L, h, d)),
              ("w2", (L, d, h)), ("w3", (L, h, d)), ("final_norm", (d,)),
              ("freq_cis_real", (c.seq_len, c.head_size // 2)), ("freq_cis_imag", (c.seq_len, c.head_size // 2))]
    if not c.tied:
        arrays.append(("classifier", (V, d)))
    return arrays


def read_llama2c(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < LLAMA2C_HEADER.size:
        raise ModelFileError(f"{path}: {len(data)} bytes, shorter than a llama2.c header")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = LLAMA2C_HEADER.unpack_from(data)
    c = Config(dim, hidden, layers, heads, kv_heads, abs(vocab), seq_len, tied=vocab > 0)
    check_config(c, path)
    layout = llama2c_arrays(c)
    expected = LLAMA2C_HEADER.size + 4 * sum(math.prod(s) for _, s in layout)
    if len(data) != expected:
        raise ModelFileError(f"{path}: {len(data)} bytes; its header needs {expected}")
    floats = np.frombuffer(data, dtype="<f4", offset=LLAMA2C_HEADER.size)
    arrays, at = {}, 0
    for name, shape in layout:
        n = math.prod(shape)
        arrays[name] = torch.from_numpy(floats[at:at + n].reshape(shape).astype(np.float32))
        at += n
    blocks = [{name: arrays[name][i] for name in ("attention_norm", "ffn_norm") + LINEAR_NAMES}
              for i in range(layers)]
    return Model(c, arrays["embedding"], blocks, arrays["final_norm"], arrays.get("classifier"),
                 {"freq_cis_real": arrays["freq_cis_real"], "freq_cis_imag": arrays["freq_cis_imag"]})


def write_llama2c(model, path):
    """A version-0 checkpoint (wq, wk reordered back to interleaved pairs when the model is HF's). The
    freq_cis tables are the ones read from a checkpoint when there are, else computed (llama2.c's
    forward pass ignores them)."""
    model = to_interleaved(model)
    c = model.config
    if c.rope_theta != 10000.0 or c.norm_eps != 1e-5:
        raise ValueError(f"a llama2.c checkpoint has RoPE theta 10000 and eps 1e-5, not {c.rope_theta} and "
                         f"{c.norm_eps}")
    cos, sin = rope_angles(c)
    cos, sin = model.extra.get("freq_cis_real", cos), model.extra.get("freq_cis_imag", sin)
    parts = {"embedding": model.embedding, "final_norm": model.final_norm, "freq_cis_real": cos,
             "freq_cis_imag": sin, "classifier": model.classifier}
    for name in ("attention_norm", "ffn_norm") + LINEAR_NAMES:
        parts[name] = torch.stack([b[name] for b in model.blocks])
    with open(path, "wb") as f:
        f.write(LLAMA2C_HEADER.pack(c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
                                    c.vocab_size if c.tied else -c.vocab_size, c.seq_len))
        for name, shape in llama2c_arrays(c):
            a = parts[name].detach().to(torch.float32).contiguous().numpy()
            assert a.shape == shape, (name, a.shape, shape)
            f.write(a.astype("<f4").tobytes())


# ----------------------------------------------------------------------------------------------------
# Hugging Face


def half_order(rows, n_heads):
    """Row r of the HF layout is row half_order[r] of llama2.c's: within each head of hs rows the
    even rows (first members of the pairs) first, then the odd rows."""
    hs = rows // n_heads
    order = torch.cat([torch.arange(0, hs, 2), torch.arange(1, hs, 2)])
    return (torch.arange(n_heads)[:, None] * hs + order[None, :]).reshape(-1)


def rows_interleaved_to_half(W, n_heads):
    """wq or wk [n_heads * hs, d] with each head's pairs (2i, 2i+1) moved to (i, i + hs/2)."""
    return W[half_order(W.shape[0], n_heads)]


def rows_half_to_interleaved(W, n_heads):
    out = torch.empty_like(W)
    out[half_order(W.shape[0], n_heads)] = W
    return out


def _with_rope(model, rope, reorder):
    c = model.config
    blocks = []
    for b in model.blocks:
        b = dict(b)
        b["wq"] = reorder(b["wq"], c.n_heads)
        b["wk"] = reorder(b["wk"], c.n_kv_heads)
        blocks.append(b)
    return Model(replace(c, rope=rope), model.embedding, blocks, model.final_norm, model.classifier, model.extra)


def to_half(model):
    """The same function with HF's rotate-half RoPE (wq, wk rows reordered per head)."""
    return model if model.config.rope == "half" else _with_rope(model, "half", rows_interleaved_to_half)


def to_interleaved(model):
    return model if model.config.rope == "interleaved" else _with_rope(model, "interleaved", rows_half_to_interleaved)


def hf_config_dict(c):
    return {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": c.dim,
            "intermediate_size": c.hidden_dim, "num_hidden_layers": c.n_layers, "num_attention_heads": c.n_heads,
            "num_key_value_heads": c.n_kv_heads, "vocab_size": c.vocab_size, "max_position_embeddings": c.seq_len,
            "rms_norm_eps": c.norm_eps, "rope_theta": c.rope_theta, "tie_word_embeddings": c.tied,
            "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "float32"}


def hf_tensors(model):
    """{HF name: float32 tensor} of a model in HF's layout."""
    model = to_half(model)
    t = {"model.embed_tokens.weight": model.embedding, "model.norm.weight": model.final_norm}
    for i, b in enumerate(model.blocks):
        for ours, theirs in HF_NAMES.items():
            t[f"model.layers.{i}.{theirs}.weight"] = b[ours]
    if not model.config.tied:
        t["lm_head.weight"] = model.classifier
    return t


def safetensors_bytes(tensors):
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        raw = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_hf(model, directory):
    """config.json + model.safetensors (float32) in `directory` (created if needed)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(hf_config_dict(model.config), f, indent=2)
    with open(os.path.join(directory, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes(hf_tensors(model)))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ModelFileError(f"{path}: {len(data)} bytes, too short for safetensors")
    (n,) = struct.unpack_from("<Q", data)
    if 8 + n > len(data):
        raise ModelFileError(f"{path}: header of {n} bytes runs past the end of the file")
    header = json.loads(data[8:8 + n])
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype, shape = info["dtype"], tuple(info["shape"])
        if dtype not in SAFETENSORS_DTYPES:
            raise ModelFileError(f"{path}: tensor {name} has dtype {dtype}")
        if end > len(body):
            raise ModelFileError(f"{path}: tensor {name} runs past the end of the file")
        raw = bytes(body[begin:end])
        if dtype == "BF16":   # the top half of a float32
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=SAFETENSORS_DTYPES[dtype]).astype(np.float32)
        tensors[name] = torch.from_numpy(array.reshape(shape).copy())
    return tensors


def read_hf(path):
    directory = os.path.dirname(path) if os.path.basename(path) == "config.json" else path
    config_path = os.path.join(directory, "config.json")
    with open(config_path) as f:
        j = json.load(f)
    try:
        c = Config(j["hidden_size"], j["intermediate_size"], j["num_hidden_layers"], j["num_attention_heads"],
                   j.get("num_key_value_heads", j["num_attention_heads"]), j["vocab_size"],
                   j["max_position_embeddings"], float(j.get("rms_norm_eps", 1e-6)),
                   float(j.get("rope_theta", 10000.0)), "half", bool(j.get("tie_word_embeddings", False)))
    except KeyError as e:
        raise ModelFileError(f"{config_path}: no field {e}") from None
    check_config(c, config_path)
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    t = {}
    for name in files:
        t.update(read_safetensors(os.path.join(directory, name)))

    def take(name, shape):
        if name not in t:
            raise ModelFileError(f"{directory}: no tensor {name}")
        if tuple(t[name].shape) != shape:
            raise ModelFileError(f"{directory}: {name} has shape {tuple(t[name].shape)}, expected {shape}")
        return t[name]

    d, h, kv = c.dim, c.hidden_dim, c.kv_dim
    shapes = {"attention_norm": (d,), "ffn_norm": (d,), "wq": (d, d), "wk": (kv, d), "wv": (kv, d),
              "wo": (d, d), "w1": (h, d), "w2": (d, h), "w3": (h, d)}
    blocks = [{ours: take(f"model.layers.{i}.{theirs}.weight", shapes[ours]) for ours, theirs in HF_NAMES.items()}
              for i in range(c.n_layers)]
    classifier = None if c.tied else take("lm_head.weight", (c.vocab_size, d))
    return Model(c, take("model.embed_tokens.weight", (c.vocab_size, d)), blocks,
                 take("model.norm.weight", (d,)), classifier)


def load(path):
    """A llama2.c .bin, or a HF directory (or its config.json)."""
    if os.path.isdir(path) or os.path.basename(path) == "config.json":
        return read_hf(path)
    return read_llama2c(path)


# ----------------------------------------------------------------------------------------------------
# Forward pass


def rope_angles(c):
    """cos, sin [seq_len, head_size/2] of pos * theta^(-2i/head_size), computed in float64, stored float32."""
    i = torch.arange(c.head_size // 2, dtype=torch.float64)
    inverse_frequency = c.rope_theta ** (-2.0 * i / c.head_size)
    angle = torch.arange(c.seq_len, dtype=torch.float64)[:, None] * inverse_frequency[None, :]
    return torch.cos(angle).float(), torch.sin(angle).float()


def rotate(x, cos, sin, style):
    """x [B, T, heads, hs]; cos, sin [T, hs/2]."""
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    if style == "interleaved":
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack([a * cos - b * sin, a * sin + b * cos], dim=-1).flatten(-2)
    half = x.shape[-1] // 2
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


def rmsnorm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps) * weight


@torch.no_grad()
def forward(model, tokens, record=None, cache=None):
    """Logits float32 [B, T, V] of int tokens [B, T] (or [T]). `record`, when a dict, receives the input
    of every linear layer under its llama2.c name ([B, T, d_in]). `cache`, when a list (empty at the
    start), keeps every layer's keys and values so that the next call continues the sequences: only the
    sampler uses it; the logits the tests compare come from whole sequences."""
    c = model.config
    tokens = torch.as_tensor(np.asarray(tokens), dtype=torch.long)
    if tokens.dim() == 1:
        tokens = tokens[None]
    B, T = tokens.shape
    start = cache[0][0].shape[1] if cache else 0
    if start + T > c.seq_len:
        raise ValueError(f"{start + T} tokens, the model's seq_len is {c.seq_len}")
    cos, sin = rope_angles(c)
    cos, sin = cos[start:start + T], sin[start:start + T]
    H, KV, hs = c.n_heads, c.n_kv_heads, c.head_size
    # Query t (absolute position start + t) sees keys 0..start + t.
    causal = torch.ones(T, start + T, dtype=torch.bool).tril(diagonal=start)

    def linear(name, x, W):
        if record is not None:
            record[name] = x
        return x @ W.T

    x = model.embedding[tokens]
    for i, b in enumerate(model.blocks):
        p = f"layers.{i}."
        h = rmsnorm(x, b["attention_norm"], c.norm_eps)
        q = rotate(linear(p + "attention.wq", h, b["wq"]).view(B, T, H, hs), cos, sin, c.rope)
        k = rotate(linear(p + "attention.wk", h, b["wk"]).view(B, T, KV, hs), cos, sin, c.rope)
        v = linear(p + "attention.wv", h, b["wv"]).view(B, T, KV, hs)
        if cache is not None:
            if len(cache) > i:
                k, v = torch.cat([cache[i][0], k], dim=1), torch.cat([cache[i][1], v], dim=1)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
        # [B, heads, T, hs]; query head h reads key/value head h // (H / KV).
        q = q.transpose(1, 2) * (1.0 / math.sqrt(hs))
        k = k.repeat_interleave(H // KV, dim=2).transpose(1, 2)
        v = v.repeat_interleave(H // KV, dim=2).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)).masked_fill_(~causal, float("-inf"))
        attended = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, H * hs)
        x = x + linear(p + "attention.wo", attended, b["wo"])
        h = rmsnorm(x, b["ffn_norm"], c.norm_eps)
        gate = linear(p + "feed_forward.w1", h, b["w1"])
        up = linear(p + "feed_forward.w3", h, b["w3"])
        x = x + linear(p + "feed_forward.w2", torch.nn.functional.silu(gate) * up, b["w2"])
    return linear("output", rmsnorm(x, model.final_norm, c.norm_eps), model.output_weight())


# ----------------------------------------------------------------------------------------------------
# Metrics and sampling


def next_token_log_probs(logits, tokens):
    """log p(tok[t+1] | tok[..t]) in float64, [B, T-1]."""
    tokens = torch.as_tensor(np.asarray(tokens), dtype=torch.long)
    log_p = torch.log_softmax(torch.as_tensor(logits)[:, :-1].double(), dim=-1)
    return log_p.gather(-1, tokens[:, 1:, None])[..., 0]


def perplexity(logits, tokens):
    return math.exp(-float(next_token_log_probs(logits, tokens).mean()))


def mean_kl(dense_logits, logits):
    """Mean over predicting positions (t = 0..T-2) of KL(dense || other), nats."""
    p = torch.log_softmax(torch.as_tensor(dense_logits)[:, :-1].double(), dim=-1)
    q = torch.log_softmax(torch.as_tensor(logits)[:, :-1].double(), dim=-1)
    return float((p.exp() * (p - q)).sum(-1).mean())


@torch.no_grad()
def sample(model, n_sequences, length, seed, bos=BOS):
    """int64 [n, length]: temperature-1 samples from BOS, each next token the inverse CDF of
    softmax(logits) at a uniform number; sequence i draws its numbers from numpy's
    default_rng([seed, i]), so it does not depend on n or on the length."""
    u = np.stack([np.random.default_rng([seed, i]).random(length) for i in range(n_sequences)])
    tokens = np.full((n_sequences, length), bos, dtype=np.int64)
    cache = []
    for t in range(1, length):
        logits = forward(model, tokens[:, t - 1:t], cache=cache)[:, -1].double()
        cdf = torch.softmax(logits, dim=-1).cumsum(dim=-1).numpy()
        chosen = (cdf < u[:, t:t + 1]).sum(axis=1)
        tokens[:, t] = np.minimum(chosen, model.config.vocab_size - 1)
    return tokens


@torch.no_grad()
def greedy(model, n_tokens, bos=BOS):
    tokens = [bos]
    for _ in range(n_tokens):
        tokens.append(int(forward(model, torch.tensor([tokens]))[0, -1].argmax()))
    return tokens


def decode_llama2c(tokenizer_path, tokens, vocab_size):
    """Text of tokens with a llama2.c tokenizer.bin (max length int32, then per token: float32 score,
    int32 length, bytes); <0xHH> pieces are raw bytes, and the space after BOS is dropped."""
    with open(tokenizer_path, "rb") as f:
        data = f.read()
    pieces, at = [], 4
    for _ in range(vocab_size):
        _, n = struct.unpack_from("<fi", data, at)
        pieces.append(data[at + 8:at + 8 + n])
        at += 8 + n
    out = bytearray()
    for previous, token in zip([None] + list(tokens), tokens):
        if token == BOS:
            continue
        piece = pieces[token]
        if previous == BOS and piece.startswith(b" "):
            piece = piece[1:]
        if len(piece) == 6 and piece.startswith(b"<0x") and piece.endswith(b">"):
            piece = bytes([int(piece[3:5], 16)])
        out += piece
    return out.decode("utf-8", errors="replace")
