#!/usr/bin/env bash
# Issue 16's yardstick as one command: a whole `layerlens-cli compare` of rtn, gptq, magnitude,
# wanda and sparsegpt against bench/torch_compare.py (straightforward PyTorch versions of the same
# five, each E in float64) on a one-layer demo file of SIZE x SIZE with 2048 tokens, one thread
# each, timed as whole processes by farm-bench (A = LayerLens, B = PyTorch, ratios pair by pair).
# Then one more LayerLens run for the methods' own seconds, and the share of the process outside
# them. Usage: scripts/bench-compare-vs-torch.sh [SIZE=2048] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-2048}; runs=${2:-5}
cli=$PWD/build/release/app/layerlens-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=$work/m$size.h5
echo "writing a ${size}x${size} demo layer with 2048 tokens" >&2
"$cli" demo-model --layers 1 --demo-shape "${size}x${size}" --demo-tokens 2048 "$file" >/dev/null 2>"$work/demo.err" ||
    { cat "$work/demo.err" >&2; exit 1; }
ours=("$cli" compare "$file" --layer layers.0.demo --methods rtn,gptq,magnitude,wanda,sparsegpt
      --bits 4 --group 128 --sparsity 0.5 --threads 1 --quiet)
export OMP_WAIT_POLICY=PASSIVE
farm-bench -n "$runs" --timeout 3600 --vs "/usr/bin/python3 $PWD/bench/torch_compare.py $file --layer layers.0.demo --threads 1" \
    -- "${ours[@]}" | grep -E "wall|peak|^A =|^B ="
start=$(date +%s.%N)
methods=$("${ours[@]}" --json | /usr/bin/python3 -c 'import json, sys; print(sum(r["seconds"] for r in json.load(sys.stdin)))')
end=$(date +%s.%N)
/usr/bin/python3 -c "import sys; m, w = float(sys.argv[1]), float(sys.argv[2]) - float(sys.argv[3]); print(f'one more run: {w:.3f} s, the five methods\' own seconds {m:.3f} s, outside them {100 * (1 - m / w):.0f}%')" "$methods" "$end" "$start"
