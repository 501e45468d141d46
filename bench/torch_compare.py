#!/usr/bin/python3
"""`layerlens-cli compare FILE --layer L --methods rtn,gptq,magnitude,wanda,sparsegpt` done the
straightforward PyTorch way, as a whole process: read the layer with h5py, the statistics, the
five methods at W4 g128 / 50% (bench/torch_reference.py) and each one's relative output error
E = tr(ΔCΔᵀ) / tr(WCWᵀ). For timing against LayerLens with farm-bench (README, "Speed and
memory"); prints each method's E so the two can be checked to do the same work."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blas_core  # noqa: E402

blas_core.use_the_processors_kernels()
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import torch_reference as ref  # noqa: E402


def magnitude(W, sparsity=0.5):
    """Layer-wide, as the reference Wanda code's magnitude baseline: the smallest |W| of the whole matrix."""
    threshold = torch.sort(W.abs().flatten())[0][int(W.numel() * sparsity)]
    return torch.where(W.abs() <= threshold, torch.zeros_like(W), W)


def relative_error(W, W_hat, C):
    delta = (W - W_hat).double()
    C = C.double()
    return float(((delta @ C) * delta).sum() / ((W.double() @ C) * W.double()).sum())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--layer", required=True)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with h5py.File(args.file, "r") as f:
        W = torch.from_numpy(np.asarray(f[args.layer]["weight"], dtype=np.float32))
        X = torch.from_numpy(np.asarray(f[args.layer]["inputs"], dtype=np.float32)).reshape(-1, W.shape[1])
    _, C, _, _, norms = ref.statistics(X)
    group = 128 if W.shape[1] % 128 == 0 else W.shape[1]
    results = {
        "rtn": ref.rtn(W, 4, group),
        "gptq": ref.gptq(W, C, 4, group),
        "magnitude": magnitude(W),
        "wanda": ref.wanda(W, norms),
        "sparsegpt": ref.sparsegpt(W, C),
    }
    print(json.dumps({name: relative_error(W, W_hat, C) for name, W_hat in results.items()}))


if __name__ == "__main__":
    main()
