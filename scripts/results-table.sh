#!/usr/bin/env bash
# The README's results table: E of every method at the shared budgets, on the built-in demo
# layer and on real/synthetic layers from ../shared/data, with `layerlens-cli compare`.
# Prints a markdown table (rows: budget and method; columns: layers).
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/release/app/layerlens-cli
data=../shared/data
sources=(
  "demo 1024x1024|--demo --demo-shape 1024x1024 --demo-tokens 2048"
  "syn512x512|$data/synthetic_s0.h5 --layer syn512x512"
  "layers.2.attention.wq|$data/stories260K_layers.h5 --layer layers.2.attention.wq"
  "layers.2.feed_forward.w2|$data/stories260K_layers.h5 --layer layers.2.feed_forward.w2"
)
settings=(
  "50%|magnitude,wanda,sparsegpt,awp|--sparsity 0.5"
  "60%|magnitude,wanda,sparsegpt,awp|--sparsity 0.6"
  "70%|magnitude,wanda,sparsegpt,awp|--sparsity 0.7"
  "80%|magnitude,wanda,sparsegpt,awp|--sparsity 0.8"
  "2:4|magnitude,wanda,sparsegpt,awp|--nm 2:4"
  "W4 g128|rtn,awq,gptq,awp|--bits 4"
  "W3 g128|rtn,awq,gptq,awq-keep,awp|--bits 3"
  "50% + W4|awp,wanda+awq,awq+wanda|--sparsity 0.5 --bits 4"
  "rank 0.25|svd,asvd|--param-ratio 0.25"
  "rank 0.5|svd,asvd|--param-ratio 0.5"
)
rows=$(mktemp)
for setting in "${settings[@]}"; do
  IFS='|' read -r label methods flags <<<"$setting"
  for source in "${sources[@]}"; do
    IFS='|' read -r name args <<<"$source"
    # shellcheck disable=SC2086
    "$cli" compare $args --methods "$methods" $flags --csv 2>/dev/null | tail -n +2 |
      awk -F, -v s="$label" -v l="$name" '{print s "\t" $2 "\t" l "\t" $4}' >>"$rows"
  done
done
header="| budget | method |"; rule="|---|---|"
for source in "${sources[@]}"; do header+=" ${source%%|*} |"; rule+="---:|"; done
echo "$header"; echo "$rule"
awk -F'\t' -v n="${#sources[@]}" '
  { key = $1 "\t" $2; if (!(key in seen)) { seen[key] = 1; order[++k] = key }
    col[key] = col[key] sprintf(" %.4g |", $4) }
  END { for (i = 1; i <= k; i++) { split(order[i], p, "\t"); print "| " p[1] " | " p[2] " |" col[order[i]] } }' "$rows"
rm -f "$rows"
