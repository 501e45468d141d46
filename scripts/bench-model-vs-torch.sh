#!/usr/bin/env bash
# Whole-model evaluation speed: layerlens-cli eval-model's dense row against a straightforward
# PyTorch forward pass (bench/torch_model_forward.py) over the same sampled token file, one after
# the other on the same machine and thread count; prints tokens/s of each and the ratio
# LayerLens / PyTorch. The best of 3 runs counts on both sides. Needs python3-torch from Debian.
# Usage: scripts/bench-model-vs-torch.sh [SEQUENCES] [LENGTH] [THREADS]   (LAYERLENS_CLI=... for another build)
set -euo pipefail
cd "$(dirname "$0")/.."
sequences=${1:-32}; length=${2:-256}; threads=${3:-2}
model=../shared/models/stories260K/stories260K.bin
cli=${LAYERLENS_CLI:-build/release/app/layerlens-cli}
if ! "$cli" eval-model --help >/dev/null 2>&1; then
    echo "bench-model-vs-torch: $cli has no eval-model command; rebuild it (cmake --build build/release)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tokens=$work/E.npy
# The token file: temperature-1 samples of the model from BOS (tests/python/torch_llama.py's sampler).
/usr/bin/python3 - "$model" "$sequences" "$length" "$tokens" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, "tests/python")
import numpy as np
import torch_llama
model, n, T, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
np.save(out, torch_llama.sample(torch_llama.load(model), n, T, seed=0))
PY
runs=()
for _ in 1 2 3; do
    if ! run=$(OMP_NUM_THREADS=$threads "$cli" eval-model "$model" --eval-tokens "$tokens" --json --threads "$threads" \
               2>"$work/stderr"); then
        cat "$work/stderr" >&2
        exit 1
    fi
    runs+=("$run")
done
theirs=$(OMP_NUM_THREADS=$threads /usr/bin/python3 bench/torch_model_forward.py "$model" --tokens "$tokens" \
         --threads "$threads")
/usr/bin/python3 - "$theirs" "${runs[@]}" <<'PY'
import json, sys
theirs = json.loads(sys.argv[1])
dense = [next(r for r in json.loads(run) if r["method"] == "dense") for run in sys.argv[2:]]
best = min(dense, key=lambda r: r["eval_seconds"])
ours = best["evaluation_tokens"] / best["eval_seconds"]
assert best["evaluation_tokens"] == theirs["tokens"], (best["evaluation_tokens"], theirs["tokens"])
print(f"{best['evaluation_tokens']} predicted tokens, {theirs['threads']} threads; perplexity "
      f"LayerLens {best['perplexity']:.6f}, PyTorch {theirs['perplexity']:.6f}")
print(f"{'':10s} {'tokens/s':>10s} {'seconds':>9s}")
print(f"{'LayerLens':10s} {ours:10.0f} {best['eval_seconds']:9.3f}")
print(f"{'PyTorch':10s} {theirs['tokens_per_second']:10.0f} {theirs['seconds']:9.3f}")
print(f"ratio LayerLens / PyTorch: {ours / theirs['tokens_per_second']:.2f}x")
PY
