#!/usr/bin/env bash
# Runs layerlens-cli bench and the straightforward PyTorch implementations (bench/torch_reference.py)
# one after the other on the same machine and thread count, and prints seconds and the ratio
# torch / LayerLens per stage. Needs python3-torch (and libopenblas0-pthread) from Debian.
# Usage: scripts/bench-vs-torch.sh [SHAPE] [TOKENS] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
shape=${1:-1024x1024}; tokens=${2:-2048}; threads=${3:-2}
ours=$(build/release/app/layerlens-cli bench --shapes "$shape" --tokens "$tokens" --threads "$threads" \
       --methods rtn,wanda,gptq,sparsegpt,awp --json)
theirs=$(OMP_NUM_THREADS=$threads /usr/bin/python3 bench/torch_reference.py --shape "$shape" --tokens "$tokens" --threads "$threads")
/usr/bin/python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours = {r["stage"]: r["seconds"] for r in json.loads(sys.argv[1])}
theirs = {r["stage"]: r["seconds"] for r in json.loads(sys.argv[2])}
print(f"{'stage':12s} {'LayerLens s':>12s} {'PyTorch s':>10s} {'ratio':>7s}")
for stage, t in theirs.items():
    if stage in ours:
        print(f"{stage:12s} {ours[stage]:12.3f} {t:10.3f} {t / ours[stage]:6.1f}x")
PY
