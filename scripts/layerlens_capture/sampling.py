"""Calibration sequences sampled from the model itself (no text corpus needed)."""

import sys

import torch

# Bytes a sampled token takes before any forward pass: its uniform draw (float64) and its id (int64), both
# allocated up front for all n_seq sequences.
BYTES_PER_TOKEN = 16


@torch.no_grad()
def sample_sequences(step, n_seq, seq_len, seed, batch_size=8, bos=1, progress=None):
    """n_seq sequences of seq_len tokens, each starting at `bos`, sampled at temperature 1 (no top-p).

    `step(new_tokens [b, t], state) -> (logits of the last position [b, V], state)` runs the model
    incrementally (state None at the start of a batch). One torch.Generator seeded with `seed` draws
    every uniform number up front, u[i, t] for token t of sequence i, and the token is the inverse CDF
    of softmax(logits) at u, as llama2.c's `sample` does; so the sequences do not depend on batch_size.
    A BOS sampled mid-way is kept and fed back, as in training where stories are concatenated.
    Returns a LongTensor [n_seq, seq_len].
    """
    g = torch.Generator().manual_seed(int(seed))
    u = torch.rand(n_seq, max(seq_len - 1, 0), generator=g, dtype=torch.float64)
    out = torch.full((n_seq, seq_len), int(bos), dtype=torch.long)
    for s0 in range(0, n_seq, batch_size):
        s1 = min(n_seq, s0 + batch_size)
        state, current = None, out[s0:s1, :1]
        for t in range(1, seq_len):
            logits, state = step(current, state)
            cdf = torch.softmax(logits.double(), dim=-1).cumsum(dim=-1)
            nxt = (cdf < u[s0:s1, t - 1:t]).sum(dim=-1).clamp_(max=logits.shape[-1] - 1)
            out[s0:s1, t] = nxt
            current = nxt[:, None]
        if progress:
            print(f"capture: sampled sequences {s1}/{n_seq} ({seq_len} tokens each)", file=sys.stderr, flush=True)
    return out
