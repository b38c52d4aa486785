"""`cnncalc lsp` latency, measured as an editor sees it.

Run from the project root:  python benchmarks/lsp_bench.py [--edits 200]

1. resnet50 (architectures/resnet50.yaml), on a warm server: one line is edited (a width
   toggled between two values), and the time runs from sending didChange until both its
   diagnostics and the inlay hints (asked for at once, as editors do) have arrived.
2. a generated 10,000-layer file (10,000 lines of conv / bn / relu): the same edit, then
   how long a hover takes while that file's analysis is running, and inlay hints for a
   screenful (editors ask for the visible range) and for the whole file.

Nothing here is asserted; the numbers are for README (Editors) and docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from lsp_client import Client  # noqa: E402


def long_chain(layers: int) -> str:
    kinds = ["  - conv: {filters: 16, f: 3, padding: same, bias: false}", "  - bn", "  - relu"]
    body = [kinds[i % 3] for i in range(layers)]
    return "\n".join([f"name: generated ({layers} layers)", "input: [32, 32, 16]", "layers:", *body, ""])


def edit_round_trip(client: Client, uri: str, version: int, line: int, text: str, hints_to: int) -> float:
    start = time.perf_counter()
    client.change(uri, version, text, line=line)
    client.inlay_hints(uri, hints_to)
    client.wait_diagnostics(uri, version)
    return time.perf_counter() - start


def ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.1f} ms, min {min(values) * 1000:.1f}, "
            f"max {max(values) * 1000:.1f} (n={len(values)})")


def bench_resnet50(client: Client, edits: int) -> list[float]:
    text = (ROOT / "architectures" / "resnet50.yaml").read_text()
    uri = "file:///bench/resnet50.yaml"
    client.open(uri, text)
    client.wait_diagnostics(uri, 1)
    lines = text.split("\n")
    at = next(i for i, s in enumerate(lines) if "width: 128, s: 2" in s)
    variants = [lines[at] + "\n", lines[at].replace("width: 128", "width: 96") + "\n"]
    times = []
    for i in range(edits + 20):
        took = edit_round_trip(client, uri, i + 2, at, variants[i % 2], len(lines))
        if i >= 20:  # the first edits warm the server (imports, caches)
            times.append(took)
    return times


def bench_long(client: Client, layers: int, edits: int) -> dict[str, list[float]]:
    text = long_chain(layers)
    uri = f"file:///bench/chain{layers}.yaml"
    start = time.perf_counter()
    client.open(uri, text)
    client.wait_diagnostics(uri, 1, timeout=300)
    opened = time.perf_counter() - start
    at = 3 + layers // 2
    variants = ["  - conv: {filters: 16, f: 3, padding: same, bias: true}\n",
                "  - conv: {filters: 16, f: 3, padding: same, bias: false}\n"]
    at = at - (at - 3) % 3  # a conv line
    edits_t, hover_t, screen_t, whole_t = [], [], [], []
    for i in range(edits):
        version = i + 2
        start = time.perf_counter()
        client.change(uri, version, variants[i % 2], line=at)
        t0 = time.perf_counter()
        client.at("textDocument/hover", uri, at + 30, 4)  # answered from the last analysis
        hover_t.append(time.perf_counter() - t0)
        client.wait_diagnostics(uri, version, timeout=300)
        edits_t.append(time.perf_counter() - start)
        t0 = time.perf_counter()
        client.inlay_hints(uri, 60)
        screen_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        client.inlay_hints(uri)
        whole_t.append(time.perf_counter() - t0)
    return {"open": [opened], "edit -> diagnostics": edits_t, "hover during analysis": hover_t,
            "hints, 60 lines": screen_t, "hints, whole file": whole_t}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--layers", type=int, default=10_000)
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, load average {load}")
    client = Client()
    try:
        client.initialize()
        print(f"resnet50, one-line edit -> diagnostics + inlay hints: {ms(bench_resnet50(client, args.edits))}")
        for label, values in bench_long(client, args.layers, max(args.edits // 20, 5)).items():
            print(f"{args.layers:,} layers, {label}: {ms(values)}")
    finally:
        client.close()


if __name__ == "__main__":
    main()
