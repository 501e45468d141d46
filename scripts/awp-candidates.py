#!/usr/bin/python3
"""The AWP configurations measured for issue 11, as loss curves (E against products by C, the unit of
cost: one per PGD iteration, one per CG step, about two per Gauss-Seidel sweep) on one layer, for
pruning, INT4 and joint pruning + INT4. Writes an SVG (README, "AWP") and prints each curve's start,
final E and products. Usage: awp-candidates.py [--svg OUT.svg] [--title T] [FILE --layer L | --demo (default)]"""
import argparse
import json
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "release", "app", "layerlens-cli")

PANELS = [
    ("pruning 50%", ["--sparsity", "0.5"], [
        ("paper: Wanda start, per-row, η = 1/λmax", ["--preset", "paper"]),
        ("paper + Nesterov momentum", ["--preset", "paper", "--accelerate"]),
        ("paper PGD from SparseGPT, layer budget", ["--preset", "paper", "--init", "sparsegpt", "--mask-scope", "layer"]),
        ("default solver from Wanda", ["--init", "wanda"]),
        ("default (SparseGPT start)", []),
    ], "sparsegpt"),
    ("INT4", ["--bits", "4"], [
        ("paper: RTN grid and start", ["--preset", "paper"]),
        ("default solver from RTN", ["--init", "rtn"]),
        ("default (best of AWQ / GPTQ start)", []),
    ], "awq,gptq"),
    ("joint 50% + INT4", ["--sparsity", "0.5", "--bits", "4"], [
        ("paper: Wanda mask, RTN grid", ["--preset", "paper"]),
        ("paper PGD from SparseGPT, layer budget", ["--preset", "paper", "--init", "sparsegpt", "--mask-scope", "layer"]),
        ("default solver from Wanda + RTN grid", ["--init", "wanda"]),
        ("default (best of three joint starts)", []),
    ], "wanda+awq,awq+wanda"),
]
COLOURS = ["#d62728", "#ff7f0e", "#9467bd", "#2ca02c", "#1f77b4"]


def run(layer_args, args):
    out = subprocess.run([CLI, "run", *layer_args, "--method", "awp", *args, "--json", "--quiet"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{args}: {out.stderr.strip()}")
    r = json.loads(out.stdout)
    r = r[0] if isinstance(r, list) else r
    xs = r.get("products_at_point") or list(range(1, len(r["loss_history"]) + 1))
    return xs, r["loss_history"], r


def baselines(layer_args, budget, methods):
    out = subprocess.run([CLI, "compare", *layer_args, "--methods", methods, *budget, "--json", "--quiet"],
                         capture_output=True, text=True, check=True)
    return {r["method"]: r["relative_output_error"] for r in json.loads(out.stdout)}


def svg(panels, path, title):
    w, h, pad = 330, 260, 46
    legend = 14 * max(len(curves) for _, curves, _ in panels) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * len(panels)}" height="{h + legend}" '
             f'font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="8" y="16" font-size="13">{title}</text>']
    for p, (name, curves, base) in enumerate(panels):
        x0 = p * w
        ys = [y for _, _, y in curves for y in y] + list(base.values())
        lo, hi = math.log10(min(ys) * 0.9), math.log10(max(ys) * 1.1)
        xmax = max(x for _, xs, _ in curves for x in xs)

        def X(v):
            return x0 + pad + (w - pad - 10) * v / xmax

        def Y(v):
            return 30 + (h - 60) * (hi - math.log10(v)) / (hi - lo)
        parts.append(f'<text x="{x0 + pad}" y="34" font-weight="bold">{name}</text>')
        parts.append(f'<line x1="{x0 + pad}" y1="{h - 30}" x2="{x0 + w - 10}" y2="{h - 30}" stroke="black"/>')
        parts.append(f'<line x1="{x0 + pad}" y1="30" x2="{x0 + pad}" y2="{h - 30}" stroke="black"/>')
        for k in range(5):
            v = 10 ** (lo + (hi - lo) * k / 4)
            parts.append(f'<text x="{x0 + 2}" y="{Y(v) + 4:.1f}">{v:.2g}</text>')
        for k in range(5):
            v = xmax * k / 4
            parts.append(f'<text x="{X(v) - 6:.1f}" y="{h - 16}">{v:.0f}</text>')
        parts.append(f'<text x="{x0 + w / 2 - 30}" y="{h - 3}">products by C</text>')
        for m, e in base.items():
            parts.append(f'<line x1="{x0 + pad}" y1="{Y(e):.1f}" x2="{x0 + w - 10}" y2="{Y(e):.1f}" stroke="grey" stroke-dasharray="4 3"/>')
            parts.append(f'<text x="{x0 + w - 12}" y="{Y(e) - 3:.1f}" text-anchor="end" fill="grey">{m} {e:.4g}</text>')
        for c, (label, xs, ys) in enumerate(curves):
            pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(xs, ys))
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{COLOURS[c]}" stroke-width="1.8"/>')
            parts.append(f'<circle cx="{X(xs[0]):.1f}" cy="{Y(ys[0]):.1f}" r="3" fill="{COLOURS[c]}"/>')
            parts.append(f'<text x="{x0 + 8}" y="{h + 14 + 14 * c}" fill="{COLOURS[c]}">{label}: {ys[-1]:.4g}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--svg")
    parser.add_argument("--title", default="AWP configurations on the demo layer (1024 x 1024, 2048 tokens)")
    args, layer_args = parser.parse_known_args()
    args.layer_args = layer_args or ["--demo"]
    panels = []
    for name, budget, candidates, base_methods in PANELS:
        curves = []
        for label, extra in candidates:
            xs, ys, r = run(args.layer_args, budget + extra)
            curves.append((label, xs, ys))
            print(f"{name:18s} {label:58s} start {ys[0]:.5g}  final {ys[-1]:.5g}  products {xs[-1]}  {r['seconds']:.2f} s")
        base = baselines(args.layer_args, budget, base_methods)
        for m, e in base.items():
            print(f"{name:18s} {'baseline ' + m:58s} {e:.5g}")
        panels.append((name, curves, base))
    if args.svg:
        svg(panels, args.svg, args.title)


if __name__ == "__main__":
    main()
