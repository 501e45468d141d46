#!/usr/bin/env bash
# The cross-calibration penalty of each method over every layer of a file: `layerlens-cli
# calibration` per layer (set B from a second capture, or the two halves of the tokens), then
# per method the mean, median and largest penalty and the mean top-set overlap.
# Usage: scripts/calibration-penalties.sh FILE [FILE2] [METHODS]
set -euo pipefail
cd "$(dirname "$0")/.."
file=$1; second=${2:-}; methods=${3:-rtn,awq,gptq,wanda,sparsegpt,awp}
cli=${LAYERLENS_CLI:-build/release/app/layerlens-cli}
layers=$("$cli" info "$file" --json | /usr/bin/python3 -c 'import json,sys; print(" ".join(l["name"] for l in json.load(sys.stdin) if l["has_inputs"]))')
rows=()
for layer in $layers; do
  rows+=("$("$cli" calibration "$file" --layer "$layer" ${second:+--inputs2 "$second"} --methods "$methods" --resamples 10 --quiet --json | tr -d '\n')")
done
printf '%s\n' "${rows[@]}" | /usr/bin/python3 -c "$(cat <<'PY'
import json, statistics, sys
checks = [json.loads(line) for line in sys.stdin if line.strip()]
overlap = statistics.mean(c["overlap"] for c in checks)
print(f"{len(checks)} layers; mean top-1% overlap of the two sets {overlap:.3f}")
print(f"{'method':12s} {'mean penalty':>13s} {'median':>8s} {'largest':>8s}  largest on")
for k, m in enumerate(checks[0]["methods"]):
    values = [(c["methods"][k]["penalty"], c["layer"]) for c in checks]
    worst = max(values)
    mean = 100 * statistics.mean(v for v, _ in values)
    median = 100 * statistics.median(v for v, _ in values)
    print(f"{m['method']:12s} {mean:12.2f}% {median:7.2f}% {100 * worst[0]:7.2f}%  {worst[1]}")
PY
)"
