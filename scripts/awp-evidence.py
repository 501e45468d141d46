#!/usr/bin/python3
"""AWP's default against the strongest baseline of each kind, layer by layer (README, "AWP").

Runs `layerlens-cli compare --json` on every layer of ../shared/data (stories260K and the
synthetic file) and on the demo layer, for pruning (50/60/70/80 %, 2:4), INT4/INT3 g128 and
joint 25/50/75 % + INT4 g128, and prints per kind and layer family AWP's E relative to the best
baseline (<1 = below it) and its time relative to that baseline. --csv writes every row."""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "release", "app", "layerlens-cli")
DATA = os.path.join(ROOT, "..", "shared", "data")

KINDS = {
    "prune": ([["--sparsity", s] for s in ("0.5", "0.6", "0.7", "0.8")] + [["--nm", "2:4"]], ["sparsegpt"]),
    "quant": ([["--bits", b] for b in ("4", "3")], ["awq", "gptq"]),
    "joint": ([["--sparsity", s, "--bits", "4"] for s in ("0.25", "0.5", "0.75")], ["wanda+awq", "awq+wanda"]),
}


def layers(path):
    out = subprocess.run([CLI, "info", path, "--json"], capture_output=True, text=True, check=True).stdout
    return [entry["name"] for entry in json.loads(out)]


def family(layer):
    for key in ("wq", "wk", "wv", "wo"):
        if key in layer:
            return "attention " + key
    for key in ("w1", "w2", "w3"):
        if key in layer:
            return "mlp " + key
    return "synthetic/demo"


def run(source, budget, methods, extra):
    out = subprocess.run([CLI, "compare", *source, "--methods", ",".join(methods), *budget, "--json", "--quiet", *extra],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(source)} {budget}: {out.stderr.strip()}")
    return {r["method"]: r for r in json.loads(out.stdout)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", default="prune,quant,joint")
    parser.add_argument("--csv")
    parser.add_argument("--awp-args", default="", help="extra options for every run (e.g. '--preset paper')")
    args = parser.parse_args()
    sources = []
    for name in ("stories260K_layers.h5", "synthetic_s0.h5"):
        path = os.path.join(DATA, name)
        sources += [([path, "--layer", layer], layer) for layer in layers(path)]
    sources.append((["--demo"], "demo"))
    rows = []
    for kind in args.kinds.split(","):
        budgets, baselines = KINDS[kind]
        for budget in budgets:
            for source, layer in sources:
                r = run(source, budget, ["awp"] + baselines, args.awp_args.split())
                best = min(baselines, key=lambda m: r[m]["relative_output_error"])
                awp = r["awp"]
                rows.append({"kind": kind, "budget": " ".join(budget), "layer": layer, "family": family(layer),
                             "awp_E": awp["relative_output_error"], "baseline": best,
                             "baseline_E": r[best]["relative_output_error"],
                             "ratio": awp["relative_output_error"] / r[best]["relative_output_error"],
                             "time_ratio": awp["seconds"] / max(r[best]["seconds"], 1e-9),
                             "init": awp["params"].get("init", "")})
                print(f"{kind:5s} {' '.join(budget):28s} {layer:32s} AWP/{best:10s} {rows[-1]['ratio']:.4f} "
                      f"time {rows[-1]['time_ratio']:.1f}x start {rows[-1]['init']}", file=sys.stderr)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    table = collections.defaultdict(list)
    for row in rows:
        table[(row["kind"], row["budget"], row["family"])].append(row)
    print(f"{'kind':6s}{'budget':30s}{'family':18s}{'layers':>7s}{'E/base mean':>12s}{'worst':>9s}{'time/base':>10s}")
    for (kind, budget, fam), group in sorted(table.items()):
        ratios = [g["ratio"] for g in group]
        times = [g["time_ratio"] for g in group]
        print(f"{kind:6s}{budget:30s}{fam:18s}{len(group):7d}{sum(ratios)/len(ratios):12.4f}{max(ratios):9.4f}"
              f"{sum(times)/len(times):10.1f}")
    worst = max(rows, key=lambda r: r["ratio"])
    print(f"worst: {worst['kind']} {worst['budget']} {worst['layer']} ratio {worst['ratio']:.4f} against {worst['baseline']}")


if __name__ == "__main__":
    main()
