"""Whole-process timings of cnncalc, against the bare interpreter and torchinfo.

Run from the project root:  python benchmarks/bench.py [--runs 7] [--quick]

Each case runs as a fresh process several times; the table gives median, min and max wall time,
and ratios to `python -c pass`. Inputs (large generated networks, 500 files for validate) are
written to a temporary folder. Nothing here is asserted: the numbers are for docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def timed(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> list[float] | None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            print(f"  ! {' '.join(cmd[:6])}... exited {done.returncode}: {done.stderr.decode()[:300]}")
            return None
    return times


def residual_network(blocks: int) -> str:
    """A network of `blocks` residual blocks (6 leaf rows each) written with `repeat`."""
    return f"""name: generated ({blocks} residual blocks)
input: [8, 8, 16]
blocks:
  unit:
    layers:
      - residual:
          main:
            - conv: {{filters: 16, f: 3, padding: same, bias: false}}
            - bn
            - relu
            - conv: {{filters: 16, f: 3, padding: same, bias: false}}
            - bn
          activation: relu
layers:
  - unit: {{repeat: {blocks}}}
  - gap
  - fc: 10
"""


TORCHINFO_RESNET50 = r"""
import torch, torch.nn as nn
from torchinfo import summary
class B(nn.Module):
    def __init__(s, cin, w, stride, down):
        super().__init__()
        s.c1=nn.Conv2d(cin,w,1,bias=False); s.b1=nn.BatchNorm2d(w)
        s.c2=nn.Conv2d(w,w,3,stride,1,bias=False); s.b2=nn.BatchNorm2d(w)
        s.c3=nn.Conv2d(w,w*4,1,bias=False); s.b3=nn.BatchNorm2d(w*4); s.r=nn.ReLU(inplace=True)
        s.d=nn.Sequential(nn.Conv2d(cin,w*4,1,stride,bias=False),nn.BatchNorm2d(w*4)) if down else None
    def forward(s,x):
        i=x if s.d is None else s.d(x)
        x=s.r(s.b1(s.c1(x))); x=s.r(s.b2(s.c2(x))); x=s.b3(s.c3(x)); return s.r(x+i)
layers=[nn.Conv2d(3,64,7,2,3,bias=False),nn.BatchNorm2d(64),nn.ReLU(),nn.MaxPool2d(3,2,1)]
cin=64
for w,n,st in ((64,3,1),(128,4,2),(256,6,2),(512,3,2)):
    for i in range(n):
        layers.append(B(cin,w,st if i==0 else 1,i==0)); cin=w*4
layers+= [nn.AdaptiveAvgPool2d(1),nn.Flatten(),nn.Linear(2048,1000)]
summary(nn.Sequential(*layers),(1,3,224,224),verbose=0)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="skip the 100,000-layer case")
    args = ap.parse_args()
    runs = args.runs
    tmp = Path(tempfile.mkdtemp(prefix="cnncalc-bench-"))
    cases: list[tuple[str, list[str], int]] = [
        ("python -c pass", [PY, "-c", "pass"], runs),
        ("summarize resnet50 --format json", [PY, "-m", "cnncalc", "summarize", "resnet50", "--format", "json"], runs),
        ("summarize resnet50 (table)", [PY, "-m", "cnncalc", "summarize", "resnet50"], runs),
        ("summarize resnet50 --input HxWx3", [PY, "-m", "cnncalc", "summarize", "resnet50", "--input", "HxWx3",
                                               "--format", "json"], runs),
    ]
    for blocks in (167, 1667, 16667) if not args.quick else (167, 1667):
        f = tmp / f"gen_{blocks}.yaml"
        f.write_text(residual_network(blocks))
        layers = blocks * 6 + 2
        cases.append((f"summarize {layers:,} layers --format json",
                      [PY, "-m", "cnncalc", "summarize", str(f), "--format", "json"], max(3, runs // 2)))
    many = tmp / "many"
    many.mkdir()
    lenet = (ROOT / "architectures" / "lenet5.yaml").read_text()
    for i in range(500):
        (many / f"net{i:03}.yaml").write_text(lenet)
    cases.append(("validate 500 files", [PY, "-m", "cnncalc", "validate", str(many)], runs))
    try:
        import torch  # noqa: F401
        import torchinfo  # noqa: F401

        script = tmp / "torchinfo_resnet50.py"
        script.write_text(TORCHINFO_RESNET50)
        cases.append(("torchinfo.summary(resnet50)", [PY, str(script)], max(3, runs // 2)))
    except ImportError:
        print("torch or torchinfo missing: the torchinfo case is skipped")

    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'case':<40} {'median s':>9} {'min s':>7} {'max s':>7} {'x python':>9}")
    base = None
    results = {}
    for label, cmd, n in cases:
        t = timed(cmd, n)
        if t is None:
            continue
        med = statistics.median(t)
        results[label] = med
        base = base or med
        print(f"{label:<40} {med:9.3f} {min(t):7.3f} {max(t):7.3f} {med / base:9.1f}")
    if "torchinfo.summary(resnet50)" in results and "summarize resnet50 (table)" in results:
        ratio = results["torchinfo.summary(resnet50)"] / results["summarize resnet50 (table)"]
        print(f"torchinfo / cnncalc (resnet50, table): {ratio:.1f}x")


if __name__ == "__main__":
    main()
