"""Reading ONNX files, as whole processes: `cnncalc summarize model.onnx` against onnx-tool's
profile of the same file (issue 17), and the read of a 500 MB model (time and peak memory).

    python benchmarks/onnx_bench.py [--runs 5]

The models are written first with `cnncalc export --to onnx` (weights inside the file, random):
ResNet-50 (102 MB) and VGG-16 (553 MB). Each command runs `--runs` times in turn with the other;
the median wall time and the median peak resident memory (the child's ru_maxrss) are printed.
Needs onnx (cnncalc's extra) and onnx-tool (`pip install onnx-tool`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ONNX_TOOL = (
    "import sys, warnings; warnings.simplefilter('ignore'); import onnx_tool; "
    "m = onnx_tool.Model(sys.argv[1]); m.graph.shape_infer(); m.graph.profile(); "
    "print(int(m.graph.params), int(m.graph.macs[0]))"
)


def run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one run of cmd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024


def compare(label: str, commands: dict[str, list[str]], runs: int) -> None:
    times: dict[str, list[float]] = {k: [] for k in commands}
    peaks: dict[str, list[float]] = {k: [] for k in commands}
    for cmd in commands.values():  # warm-up: the page cache holds the file for every run
        run(cmd)
    for _ in range(runs):
        for name, cmd in commands.items():
            wall, peak = run(cmd)
            times[name].append(wall)
            peaks[name].append(peak)
    print(f"\n{label} (median of {runs})")
    for name in commands:
        print(f"  {name:<34} {statistics.median(times[name]):7.3f} s   {statistics.median(peaks[name]):7.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for net in ("resnet50", "vgg16"):
            files[net] = os.path.join(tmp, f"{net}.onnx")
            subprocess.run([py, "-m", "cnncalc", "export", net, "--to", "onnx", "-o", files[net]], check=True)
            print(f"{net}.onnx: {os.path.getsize(files[net]) / 1e6:.0f} MB")
        summarize = [py, "-m", "cnncalc", "summarize", "--format", "json", "--convention", "onnx-tool"]
        compare("ResNet-50 ONNX, weights inside", {
            "cnncalc summarize (onnx-tool counts)": [*summarize, files["resnet50"]],
            "onnx-tool Model + profile": [py, "-c", ONNX_TOOL, files["resnet50"]],
            "python -c 'import onnx'": [py, "-c", "import onnx"],
        }, args.runs)
        compare("VGG-16 ONNX (553 MB), weights inside", {
            "cnncalc summarize (onnx-tool counts)": [*summarize, files["vgg16"]],
            "onnx-tool Model + profile": [py, "-c", ONNX_TOOL, files["vgg16"]],
        }, args.runs)


if __name__ == "__main__":
    main()
