"""Reading ONNX files, as whole processes: `cnncalc summarize model.onnx` against onnx-tool's
profile of the same file (issue 17), and the read of a 500 MB model (CPU, wall time, peak memory).

    python benchmarks/onnx_bench.py [--runs 5] [--before PATH]

The models are written first with `cnncalc export --to onnx` (weights inside the file, random):
ResNet-50 (102 MB) and VGG-16 (553 MB). Each command runs `--runs` times, the commands taking
turns (paired runs: a change of the machine's load hits them alike); printed are the median and
the range (min-max) of the child's CPU time (user + system), wall time and peak resident memory
(ru_maxrss), the load average before and after, and the median ratio of paired CPU times to
onnx-tool's. `--before PATH` also runs the cnncalc of another checkout (e.g. /work/main), from
that folder, on the same files: a before/after of a change. Needs onnx (to export) and onnx-tool.
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
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd: list[str], cwd: str) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, peak resident MB) of one run of cmd."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed ({status}): {' '.join(cmd)}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def _spread(values: list[float], fmt: str) -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def compare(label: str, commands: dict[str, tuple[list[str], str]], runs: int) -> None:
    got: dict[str, list[tuple[float, float, float]]] = {k: [] for k in commands}
    for cmd, cwd in commands.values():  # warm-up: the page cache holds the file for every run
        run(cmd, cwd)
    load = os.getloadavg()[0]
    for _ in range(runs):
        for name, (cmd, cwd) in commands.items():
            got[name].append(run(cmd, cwd))
    print(f"\n{label}: median (min-max) of {runs} paired runs, load average {load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"  {'':<36} {'CPU s':>20} {'wall s':>20} {'peak MB':>22}")
    for name, rows in got.items():
        cpu, wall, peak = ([r[i] for r in rows] for i in range(3))
        print(f"  {name:<36} {_spread(cpu, '.2f'):>20} {_spread(wall, '.2f'):>20} {_spread(peak, '.0f'):>22}")
    peer = got.get("onnx-tool Model + profile")
    if peer:
        for name, rows in got.items():
            if rows is not peer:
                ratios = [a[0] / b[0] for a, b in zip(rows, peer)]
                print(f"  {name}: CPU / onnx-tool's, paired: {_spread(ratios, '.2f')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", help="another checkout whose cnncalc also runs (before a change)")
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for net in ("resnet50", "vgg16"):
            files[net] = os.path.join(tmp, f"{net}.onnx")
            subprocess.run([py, "-m", "cnncalc", "export", net, "--to", "onnx", "-o", files[net]], check=True, cwd=HERE)
            print(f"{net}.onnx: {os.path.getsize(files[net]) / 1e6:.0f} MB")
        summarize = [py, "-m", "cnncalc", "summarize", "--format", "json", "--convention", "onnx-tool"]
        for label, net, extra in (("ResNet-50 ONNX (102 MB), weights inside", "resnet50", True),
                                  ("VGG-16 ONNX (553 MB), weights inside", "vgg16", False)):
            commands = {"cnncalc summarize (onnx-tool counts)": ([*summarize, files[net]], HERE)}
            if args.before:
                commands["before: cnncalc of " + os.path.basename(args.before.rstrip("/"))] = (
                    [*summarize, files[net]], os.path.abspath(args.before))
            commands["onnx-tool Model + profile"] = ([py, "-c", ONNX_TOOL, files[net]], HERE)
            if extra:
                commands["python -c 'import onnx'"] = ([py, "-c", "import onnx"], HERE)
            compare(label, commands, args.runs)


if __name__ == "__main__":
    main()
