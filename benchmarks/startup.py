"""Start-up of `cnncalc summarize` against the bare interpreter, as a user's venv runs it.

Run from the project root:

    python benchmarks/startup.py --venv /tmp/cnncalc-venv --install   # build or refresh the venv
    python benchmarks/startup.py --venv /tmp/cnncalc-venv --runs 21   # measure again
    python benchmarks/startup.py --venv /tmp/cnncalc-venv --importtime   # or --shares, or --floor

`--install` creates the venv if it is missing and installs this checkout into it NOT editable
(`pip install .`: an editable install adds a finder to every interpreter start). Each case runs
in turn with a bare `python -c pass` of the same venv (A B A B ...); a run's CPU time is the
operating system's account of the finished child (user + system), which a busy shared machine
moves less than wall time. The ratio is taken pair by pair, then the median, min and max over
the pairs. The "floor" rows import, without running anything, what every summary needs: the
console script's `import re`, click, PyYAML and cnncalc's own modules. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PIPELINE = (  # summarize --format json without the command line (no click), as the CLI runs it
    "import gc, sys; gc.disable(); from cnncalc import bundled; from cnncalc.source import decode; "
    "from cnncalc.analysis import analyze_text; from cnncalc.report import fold; "
    "from cnncalc.render import json_out; f = open(bundled.file('resnet50'), 'rb'); "
    "r = analyze_text(decode(f.read(), 'resnet50'), 'resnet50'); "
    "sys.stdout.write(json_out.render([(r, fold(r, None))]) + '\\n')"
)


def cases(bin_dir: str) -> list[tuple[str, list[str]]]:
    py, cli = os.path.join(bin_dir, "python"), os.path.join(bin_dir, "cnncalc")
    return [
        ("summarize resnet50 --format json", [cli, "summarize", "resnet50", "--format", "json"]),
        ("summarize resnet50 (table)", [cli, "summarize", "resnet50"]),
        ("floor: import re (the console script)", [py, "-c", "import re"]),
        ("floor: + click", [py, "-c", "import re, click"]),
        ("floor: + click, yaml", [py, "-c", "import re, click, yaml"]),
        ("floor: + cnncalc's modules (json)", [py, "-c", "import re, click, yaml, cnncalc.cli.summarize, "
                                               "cnncalc.analysis, cnncalc.render.json_out"]),
        ("json without click (same pipeline)", [py, "-c", PIPELINE]),
    ]


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of cmd as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = _clock()
    done = subprocess.run(cmd, cwd=os.path.expanduser("~"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = _clock() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[:400]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def _clock() -> float:
    import time

    return time.perf_counter()


def paired(cmd: list[str], bare: list[str], runs: int) -> dict[str, list[float]]:
    run_once(cmd), run_once(bare)  # warm-up: file cache, .pyc files
    out: dict[str, list[float]] = {"cpu": [], "wall": [], "bare_cpu": [], "ratio": []}
    for _ in range(runs):
        cpu, wall = run_once(cmd)
        bare_cpu, _ = run_once(bare)
        out["cpu"].append(cpu)
        out["wall"].append(wall)
        out["bare_cpu"].append(bare_cpu)
        out["ratio"].append(cpu / bare_cpu if bare_cpu else float("nan"))
    return out


def install(venv: str) -> None:
    if not os.path.isfile(os.path.join(venv, "bin", "python")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--quiet", ROOT], check=True)
    else:  # dependencies already there: this checkout's code only
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--quiet", "--no-deps",
                        "--force-reinstall", ROOT], check=True)


def importtime(bin_dir: str, runs: int, top: int) -> None:
    """Self and cumulative import time per module, the least over `runs` runs (microseconds)."""
    best: dict[str, tuple[int, int]] = {}
    order: list[str] = []
    cmd = [os.path.join(bin_dir, "python"), "-X", "importtime", os.path.join(bin_dir, "cnncalc"),
           "summarize", "resnet50", "--format", "json"]
    for _ in range(runs):
        err = subprocess.run(cmd, capture_output=True, text=True).stderr
        for line in err.splitlines():
            if not line.startswith("import time:") or "[us]" in line:
                continue
            own, cumulative, name = line[len("import time:"):].split("|")
            key = name.strip()
            now = (int(own), int(cumulative))
            if key not in best:
                order.append(key)
            best[key] = tuple(map(min, zip(best.get(key, now), now)))  # type: ignore[assignment]
    print(f"{' '.join(cmd[2:])}: least of {runs} runs, the {top} largest by own time")
    print(f"{'own us':>8} {'cumul us':>9}  module")
    for key in sorted(order, key=lambda k: -best[k][0])[:top]:
        print(f"{best[key][0]:8d} {best[key][1]:9d}  {key}")


# Run inside the venv's interpreter: the console script's work (`import re`, then main), with the
# CPU time of a few imports, of every dataclass's creation and of drawing the table (`table.to_text`:
# its cells, fitting, and the drawing, plain or rich) added up, as shares of the process.
SHARES = r"""
import builtins, re, resource, sys, time  # re first, as the console script has it
T, spent, depth = time.process_time, {}, [0]
t = T()
import inspect  # click imports it too (click.core): its own line, not charged to dataclasses
spent["import inspect (click's too)"] = T() - t
t = T()
import dataclasses  # errors.Location and Diagnostic are dataclasses (the importers subclass Location)
spent["import dataclasses"] = T() - t
WATCH = {"click", "yaml", "rich", "difflib", "fractions", "inspect"}
real_import, real_process = builtins.__import__, dataclasses._process_class
def imp(name, globals=None, locals=None, fromlist=(), level=0):
    top = name.partition(".")[0] if level == 0 else ""
    if top not in WATCH or top in sys.modules or depth[0]:
        return real_import(name, globals, locals, fromlist, level)
    depth[0], t = 1, T()
    try:
        return real_import(name, globals, locals, fromlist, level)
    finally:
        depth[0], key = 0, "import " + top
        spent[key] = spent.get(key, 0) + T() - t
def process(*args, **kwargs):
    t = T()
    try:
        return real_process(*args, **kwargs)
    finally:
        spent["dataclass creation"] = spent.get("dataclass creation", 0) + T() - t
builtins.__import__, dataclasses._process_class = imp, process
from cnncalc.cli import main
if "--format" not in sys.argv:  # the table, from its cells to its text (rich only if it folds)
    import cnncalc.render.table as table
    real_text = table.to_text
    def timed_text(*args, **kwargs):
        t = T()
        try:
            return real_text(*args, **kwargs)
        finally:
            spent["table drawing"] = spent.get("table drawing", 0) + T() - t
    table.to_text = timed_text
try:
    main(sys.argv[1:], prog_name="cnncalc")
except SystemExit:
    pass
u = resource.getrusage(resource.RUSAGE_SELF)
spent["process"] = u.ru_utime + u.ru_stime
print(repr(spent), file=sys.stderr)
"""


# One process split into its phases, as the JSON summary runs them (CPU, time.process_time): the
# interpreter's start (what the process had spent before the script's first line), the console
# script's `import re`, click, PyYAML, cnncalc's modules for this command, composing resnet50's YAML
# into located nodes, the pipeline (spec, tree, graph, report) and the JSON text.
FLOOR = r"""
import time
T = time.process_time
t0 = T()
import re
t1 = T()
import click
t2 = T()
import yaml
t3 = T()
import cnncalc.cli.summarize, cnncalc.analysis, cnncalc.render.json_out
from cnncalc.cli import main
t4 = T()
from cnncalc import bundled, source
from cnncalc.analysis import analyze_node
from cnncalc.report import fold
from cnncalc.render import json_out
with open(bundled.file("resnet50"), "rb") as f:
    root = source.load(source.decode(f.read(), "resnet50"), "resnet50")
t5 = T()
report = analyze_node(root, "resnet50")
t6 = T()
text = json_out.render([(report, fold(report, None))])
t7 = T()
assert '"params": 25557032' in text
print(repr({"interpreter start": t0, "import re": t1 - t0, "import click": t2 - t1, "import yaml": t3 - t2,
            "import cnncalc (json summarize)": t4 - t3, "compose resnet50's YAML": t5 - t4,
            "pipeline (spec, tree, graph, report)": t6 - t5, "JSON text": t7 - t6, "total": t7}))
"""


def floor(bin_dir: str, runs: int) -> None:
    """The JSON summary's process split into phases (medians over runs, in ms and x bare)."""
    import ast

    py = os.path.join(bin_dir, "python")
    found: dict[str, list[float]] = {}
    bare: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([py, "-c", FLOOR], capture_output=True, text=True, cwd=os.path.expanduser("~"))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        phases = ast.literal_eval(out.stdout.strip().splitlines()[-1])
        phases["the interpreter's exit (after the last line)"] = process - phases["total"]
        phases["total"] = process  # the whole process, as the operating system counts it
        for key, value in phases.items():
            found.setdefault(key, []).append(value)
        bare.append(run_once([py, "-c", "pass"])[0])
    unit = statistics.median(bare)
    print(f"summarize resnet50 --format json, phase by phase in one process (CPU, medians of {runs} runs, "
          f"load {os.getloadavg()[0]:.1f}); bare `python -c pass` {1000 * unit:.1f} ms")
    total = 0.0
    for key, values in found.items():
        m = statistics.median(values)
        if key != "total":
            total += m
        print(f"  {key:<38} {1000 * m:7.1f} ms  {m / unit:5.2f} x bare"
              + (f"   (sum so far {total / unit:5.2f} x)" if key != "total" else ""))


def shares(bin_dir: str, runs: int) -> None:
    """Where the CPU of one process goes, as shares of it (medians over runs)."""
    import ast

    py = os.path.join(bin_dir, "python")
    for args in (["summarize", "resnet50", "--format", "json"], ["summarize", "resnet50"]):
        found: dict[str, list[float]] = {}
        for _ in range(runs):
            err = subprocess.run([py, "-c", SHARES, *args], capture_output=True, text=True,
                                 cwd=os.path.expanduser("~")).stderr
            spent = ast.literal_eval(err.strip().splitlines()[-1])
            for key, value in spent.items():
                found.setdefault(key, []).append(value / spent["process"])
        found.pop("process")
        print(f"cnncalc {' '.join(args)}: median shares of the process's CPU over {runs} runs "
              f"(an import: the first one, with all it imports)")
        for key, values in sorted(found.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {key:<22} {100 * statistics.median(values):5.1f} %  ({100 * min(values):.1f} to "
                  f"{100 * max(values):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", required=True, help="a venv holding a non-editable install")
    parser.add_argument("--install", action="store_true", help="create the venv if needed; install this checkout")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument("--importtime", action="store_true", help="where the import time goes, instead")
    parser.add_argument("--shares", action="store_true", help="shares of the CPU (imports, dataclasses, drawing)")
    parser.add_argument("--floor", action="store_true", help="the JSON summary's process phase by phase")
    args = parser.parse_args()
    if args.install:
        install(args.venv)
    bin_dir = os.path.join(os.path.abspath(args.venv), "bin")
    if args.importtime:
        importtime(bin_dir, max(args.runs // 4, 3), 30)
        return
    if args.shares:
        shares(bin_dir, max(args.runs // 2, 3))
        return
    if args.floor:
        floor(bin_dir, args.runs)
        return
    chosen = [(name, cmd) for name, cmd in cases(bin_dir) if not args.only or args.only in name]
    if not chosen:  # `--install --only none`: install, measure nothing
        return
    bare = [os.path.join(bin_dir, "python"), "-c", "pass"]
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}; {args.runs} pairs each; CPU = user + system")
    print(f"{'case':<40} {'cpu med s':>9} {'min':>7} {'max':>7} {'wall med':>8}   {'x bare: med':>11} "
          f"{'min':>6} {'max':>6}")
    for name, cmd in chosen:
        r = paired(cmd, bare, args.runs)
        cpu, ratio = r["cpu"], r["ratio"]
        print(f"{name:<40} {statistics.median(cpu):9.3f} {min(cpu):7.3f} {max(cpu):7.3f} "
              f"{statistics.median(r['wall']):8.3f}   {statistics.median(ratio):11.1f} {min(ratio):6.1f} "
              f"{max(ratio):6.1f}", flush=True)
    print(f"python -c pass: cpu median {statistics.median(r['bare_cpu']):.3f} s (of the last case's pairs)")


if __name__ == "__main__":
    main()
