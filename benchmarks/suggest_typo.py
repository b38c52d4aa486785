"""The cost of "did you mean" on a large file (issue 13 item 11).

Run from the project root:  python benchmarks/suggest_typo.py [--layers 2000] [--runs 3]

Writes two networks of `--layers` 1x1 convs whose names are long (~3,400 characters, ~14 MB in
all, under the 16 MB limit), each naming the layer before it in `from`: one correct, one where the
last `from` has a one-letter typo. Times `cnncalc validate` on each as a fresh process and prints
the median; the difference is the work of finding the suggestion. Nothing here is asserted: the
numbers are for docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def layer_name(i: int, length: int) -> str:
    """A long, realistic-looking name: a module path repeated up to `length`, then the index."""
    stem = f"backbone_stage_{i % 7}_block_{i % 13}_branch_main_conv_pointwise_expand"
    body = (stem + "_") * (length // (len(stem) + 1))
    return f"{body}layer_{i:05d}"


def network(layers: int, length: int, typo: bool) -> str:
    out = ["name: long names", "input: [4, 4, 1]", "layers:"]
    for i in range(layers):
        name = layer_name(i, length)
        source = layer_name(i - 1, length) if i else "input"
        if typo and i == layers - 1:
            source = source[:-3] + "x" + source[-2:]  # layer_0199x9-style: one letter wrong
        out.append(f"  - conv: {{name: '{name}', from: '{source}', filters: 1, f: 1}}")
    return "\n".join(out) + "\n"


def timed(path: Path, runs: int) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cnncalc", "validate", str(path)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        code = done.returncode
    return statistics.median(times), code


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=2000)
    ap.add_argument("--length", type=int, default=3400, help="characters per layer name")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cnncalc-suggest-"))
    for typo in (False, True):
        path = tmp / ("typo.yaml" if typo else "clean.yaml")
        path.write_text(network(args.layers, args.length, typo))
        median, code = timed(path, args.runs)
        size = path.stat().st_size / 1e6
        label = "one typo in 'from'" if typo else "no typo"
        print(f"validate, {args.layers:,} layers, {size:.1f} MB, {label:<18} {median:6.2f} s  (exit {code})")


if __name__ == "__main__":
    main()
