#!/usr/bin/python3
"""Straightforward PyTorch implementations of the dense methods, timed on a synthetic layer of
the same shape as `layerlens-cli bench`, so the two can be compared in one run on one machine
with the same thread count (scripts/bench-vs-torch.sh). Written the way a careful PyTorch user
would: float32, whole-tensor operations, the published algorithms' structure. Prints JSON."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_core  # noqa: E402

blas_core.use_the_processors_kernels()
import torch  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def statistics(X):
    """The same outputs as LayerLens's statistics pass: a check for NaN/Inf, C = XᵀX/n in float64
    and float32, and per channel mean |X_j|, max |X_j| and ‖X_j‖."""
    if not bool(torch.isfinite(X).all()):
        raise ValueError("inputs are not finite")
    C = (X.T @ X).double() / X.shape[0]
    magnitude = X.abs()
    return C, C.float(), magnitude.mean(dim=0), magnitude.amax(dim=0), X.norm(dim=0)


def rtn(W, bits=4, group=128):
    d_out, d_in = W.shape
    w = W.reshape(-1, group)
    lo, hi = w.amin(dim=1, keepdim=True), w.amax(dim=1, keepdim=True)
    max_q = 2 ** bits - 1
    scale = (hi - lo).clamp(min=1e-5) / max_q
    zero = (-torch.round(lo / scale)).clamp(0, max_q)
    q = (torch.clamp(torch.round(w / scale) + zero, 0, max_q) - zero) * scale
    return q.reshape(d_out, d_in)


def wanda(W, norms, sparsity=0.5):
    score = W.abs() * norms.reshape(1, -1)
    k = int(W.shape[1] * sparsity)
    idx = torch.sort(score, dim=1, stable=True)[1][:, :k]
    out = W.clone()
    out.scatter_(1, idx, 0.0)
    return out


def upper_cholesky_of_inverse(C, damp=0.01):
    H = C.clone()
    H += damp * torch.mean(torch.diag(H)) * torch.eye(H.shape[0])
    L = torch.linalg.cholesky(H)
    Hinv = torch.cholesky_inverse(L)
    return torch.linalg.cholesky(Hinv, upper=True)


def obs_sweep(W, U, target, block=128):
    """Column sweep with lazy block updates (the shared core of GPTQ and SparseGPT)."""
    W = W.clone()
    d_in = W.shape[1]
    for i1 in range(0, d_in, block):
        i2 = min(i1 + block, d_in)
        W1 = W[:, i1:i2].clone()
        Err = torch.zeros_like(W1)
        U1 = U[i1:i2, i1:i2]
        for i in range(i2 - i1):
            w = W1[:, i]
            q = target(W1, U1, i1, i)
            err = (w - q) / U1[i, i]
            W1[:, i:] -= err.unsqueeze(1) @ U1[i, i:].unsqueeze(0)
            W1[:, i] = q
            Err[:, i] = err
        W[:, i1:i2] = W1
        W[:, i2:] -= Err @ U[i1:i2, i2:]
    return W


def gptq(W, C, bits=4, group=128):
    U = upper_cholesky_of_inverse(C)
    max_q = 2 ** bits - 1
    grid = {}

    def target(W1, U1, i1, i):
        col = i1 + i
        if col % group == 0:
            g = W1[:, i:i + group] if i + group <= W1.shape[1] else W1[:, i:]
            lo = torch.clamp(g.amin(dim=1), max=0)
            hi = torch.clamp(g.amax(dim=1), min=0)
            scale = (hi - lo) / max_q
            scale[scale == 0] = 1
            grid['scale'], grid['zero'] = scale, torch.round(-lo / scale)
        s, z = grid['scale'], grid['zero']
        return (torch.clamp(torch.round(W1[:, i] / s) + z, 0, max_q) - z) * s

    return obs_sweep(W, U, target)


def sparsegpt(W, C, sparsity=0.5, block=128):
    U = upper_cholesky_of_inverse(C)
    masks = {}

    def target(W1, U1, i1, i):
        if i == 0:
            score = W1 ** 2 / torch.diag(U1).reshape(1, -1) ** 2
            thresh = torch.sort(score.flatten())[0][int(score.numel() * sparsity)]
            masks['m'] = score <= thresh
        q = W1[:, i].clone()
        q[masks['m'][:, i]] = 0
        return q

    return obs_sweep(W, U, target, block)


def awp(W, C, start, sparsity=0.5, iters=100):
    eta = 1.0 / torch.linalg.eigvalsh(C)[-1]
    k = W.shape[1] - int(W.shape[1] * sparsity)
    theta = start.clone()
    for _ in range(iters):
        Z = theta + eta * (W - theta) @ C
        idx = torch.topk(Z.abs(), k, dim=1)[1]
        theta = torch.zeros_like(Z).scatter_(1, idx, Z.gather(1, idx))
    return theta


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", default="1024x1024")
    parser.add_argument("--tokens", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    d_out, d_in = (int(v) for v in args.shape.split("x"))
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(d_out, d_in, generator=gen) / d_in ** 0.5
    X = torch.randn(args.tokens, d_in, generator=gen) * torch.exp(0.6 * torch.randn(d_in, generator=gen))
    rows = []
    (_, C, _, _, norms), t = timed(lambda: statistics(X))
    rows.append(("statistics", t))
    rows.append(("rtn", timed(lambda: rtn(W))[1]))
    start, t = timed(lambda: wanda(W, norms))
    rows.append(("wanda", t))
    rows.append(("gptq", timed(lambda: gptq(W, C))[1]))
    rows.append(("sparsegpt", timed(lambda: sparsegpt(W, C))[1]))
    rows.append(("awp", timed(lambda: awp(W, C, start))[1]))
    print(json.dumps([{"shape": args.shape, "tokens": args.tokens, "threads": args.threads, "stage": s, "seconds": t}
                      for s, t in rows]))


if __name__ == "__main__":
    main()
