"""A larger fuzz run than CI's: tests/test_fuzz.py with more inputs (and, if asked, another seed).

Run from the project root:  python benchmarks/fuzz.py [COUNT] [--seed S]

COUNT inputs in all (default 20,000; CI runs 2,400), split between the readers and commands as
in the test. A failing case is printed with its name; rerun it alone with
CNNCALC_FUZZ_SEED=S CNNCALC_FUZZ_CASE=reader:index python -m pytest -q tests/test_fuzz.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", nargs="?", type=int, default=20_000)
    ap.add_argument("--seed", default="13")
    args = ap.parse_args()
    env = dict(os.environ, CNNCALC_FUZZ=str(args.count), CNNCALC_FUZZ_SEED=args.seed)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_fuzz.py", "--durations=0"], cwd=ROOT, env=env)
    print(f"{args.count:,} inputs, seed {args.seed}: {time.perf_counter() - start:.0f} s, exit {done.returncode}")
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
