"""Fuzzing every reader and command: mutated inputs never give a traceback, a hang or a blow-up.

Seeds are the bundled networks, tests/positive, and the real Darknet .cfg and Caffe .prototxt
files of ../shared/data (those readers are skipped when it is absent). Each case applies one to
three mutations (byte flips, line deletions and duplications, token swaps, number changes,
indentation changes) chosen by a generator seeded from the case's own name, so a failure names
the case that reproduces it: `CNNCALC_FUZZ_CASE=yaml:123 python -m pytest tests/test_fuzz.py`.

Every run asserts: exit status 0, 1 or 2 (never 3, an internal error), no traceback in the
output, no exception other than SystemExit, each input done in under 5 s of CPU (interval timers
stop a hang, on CPU time and on the clock), and, on a sample of cases, a tracemalloc peak
under 256 MB.

CI runs CNNCALC_FUZZ (default 2,400) inputs in all: 80 % through summarize and validate, 14 %
through explain, diagram, export, memory, constraints and import, 6 % through calc and check.
`python benchmarks/fuzz.py 20000` (or CNNCALC_FUZZ=20000) runs a larger share.
"""

from __future__ import annotations

import os
import random
import re
import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.cli import main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TOTAL = int(os.environ.get("CNNCALC_FUZZ", "2400"))
SEED = os.environ.get("CNNCALC_FUZZ_SEED", "13")
ONLY = os.environ.get("CNNCALC_FUZZ_CASE")  # "reader:index": run that one case
TIME_LIMIT = 5.0  # seconds of CPU per input
WALL_FACTOR = 6  # and at most this many times that on the clock
MEMORY_LIMIT = 256 * 1024 * 1024  # tracemalloc peak, bytes
MEMORY_EVERY = 25  # trace memory on one case in this many (tracing slows each call ~2x)


def _texts(paths: list[Path]) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(paths) if p.is_file()]


SEEDS: dict[str, list[tuple[str, bytes]]] = {
    "yaml": _texts([*ROOT.glob("architectures/*.yaml"), *ROOT.glob("tests/positive/*.yaml")]),
    "darknet": _texts(list((DATA / "darknet").glob("*.cfg"))),
    "caffe": _texts(list((DATA / "caffe").glob("*.prototxt"))),
}
SUFFIX = {"yaml": ".yaml", "darknet": ".cfg", "caffe": ".prototxt"}

# ---- mutations ---------------------------------------------------------------------------------

NUMBERS = [b"0", b"1", b"-1", b"2", b"3", b"7", b"1.5", b"-0", b"1e9", b"99999999999999999999", b"2**64",
           b"0x10", b"nan", b"inf", b"", b"65536", b"1_000"]
TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_.]*|\d+|[\[\]{}:,=\-]")


def byte_flip(rng: random.Random, data: bytes) -> bytes:
    """Bytes changed: mostly to other ASCII (to get past the reader), now and then to anything."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if out:
            i = rng.randrange(len(out))
            if rng.random() < 0.8:
                out[i] = rng.choice([out[i] ^ (1 << rng.randrange(7)), rng.randrange(32, 127)])
            else:
                out[i] = rng.randrange(256)
    return bytes(out)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def delete_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    del lines[i : i + rng.choice([1, 1, 2, 5])]
    return b"".join(lines)


def duplicate_lines(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    chunk = lines[i : i + rng.choice([1, 1, 3])]
    return b"".join(lines[:i] + chunk * rng.choice([2, 2, 5]) + lines[i:])


def swap_tokens(rng: random.Random, data: bytes) -> bytes:
    """Two tokens swapped: mostly of one class (names with names, numbers with numbers)."""
    spans = [m.span() for m in TOKEN.finditer(data)]
    if rng.random() < 0.8:
        group = rng.choice([rb"[A-Za-z_]", rb"\d"])
        spans = [(a, b) for a, b in spans if re.match(group, data[a:b])]
    if len(spans) < 2:
        return data
    (a0, a1), (b0, b1) = sorted(rng.sample(spans, 2))
    return data[:a0] + data[b0:b1] + data[a1:b0] + data[a0:a1] + data[b1:]


def change_number(rng: random.Random, data: bytes) -> bytes:
    spans = [m.span() for m in re.finditer(rb"\d+", data)]
    if not spans:
        return data
    start, end = rng.choice(spans)
    return data[:start] + rng.choice(NUMBERS) + data[end:]


def change_indent(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    line = lines[i]
    choice = rng.randrange(4)
    if choice == 0:
        lines[i] = b" " * rng.choice([1, 2, 4]) + line
    elif choice == 1:
        lines[i] = line.lstrip(b" ")
    elif choice == 2:
        lines[i] = b"\t" + line
    else:
        lines[i] = line[1:] if line.startswith(b" ") else b"  " + line
    return b"".join(lines)


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    byte_flip, delete_lines, duplicate_lines, swap_tokens, change_number, change_indent,
]


def mutate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    done = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutation = rng.choice(MUTATIONS)
        data = mutation(rng, data)
        done.append(mutation.__name__)
    return data, "+".join(done)


# ---- running a case ----------------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the interval timer: a BaseException, so no `except Exception` swallows it."""


@contextmanager
def time_limit(cpu_seconds: float) -> Iterator[None]:
    """Stop the call after cpu_seconds of this process's CPU time (the machine may be shared:
    CPU time is what the input costs), or after WALL_FACTOR times that on the clock (a call
    blocked without using the CPU)."""

    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"over {cpu_seconds} s")

    previous = {sig: signal.signal(sig, alarm) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, cpu_seconds)
    signal.setitimer(signal.ITIMER_REAL, cpu_seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class Case:
    name: str  # "reader:index"
    what: str  # seed file and mutations
    args: list[str]


def problem(case: Case, index: int, limit: float = TIME_LIMIT) -> str | None:
    """What went wrong running the case, or None."""
    runner = CliRunner()
    traced = index % MEMORY_EVERY == 0
    if traced:
        tracemalloc.start()
    start = time.process_time()
    try:
        with time_limit(limit):
            result = runner.invoke(main, case.args, catch_exceptions=True)
    except Hang:  # raised outside the invoked command (click's own code)
        return f"over {limit} s"
    finally:
        elapsed = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    if isinstance(result.exception, Hang) or elapsed > limit:
        return f"over {limit} s ({elapsed:.1f} s of CPU)"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"uncaught {type(result.exception).__name__}: {result.exception}"[:300]
    if result.exit_code not in (0, 1, 2):
        return f"exit {result.exit_code}: {output.strip()[:300]}"
    if "Traceback" in output:
        return f"traceback in the output: {output.strip()[-300:]}"
    if peak > MEMORY_LIMIT:
        return f"tracemalloc peak {peak / 2**20:.0f} MB"
    return None


def run_cases(cases: Iterator[Case]) -> None:
    failures = []
    for index, case in enumerate(cases):
        found = problem(case, index)
        if found:
            failures.append(f"{case.name} ({case.what}) {' '.join(case.args[:1])}: {found}")
    assert not failures, f"{len(failures)} failing cases:\n" + "\n".join(failures[:20])


def _wanted(reader: str, count: int, offset: int = 0) -> range | list[int]:
    """The case indices to run: offset .. offset + count - 1, or the one CNNCALC_FUZZ_CASE names."""
    if ONLY:
        name, _, index = ONLY.partition(":")
        return [int(index)] if name == reader and offset <= int(index) < offset + count else []
    return range(offset, offset + count)


def _input(tmp: Path, reader: str, index: int) -> tuple[Path, str, random.Random]:
    """Case `index` of `reader`: the mutated file written under tmp, what was done, its rng."""
    rng = random.Random(f"{SEED}:{reader}:{index}")
    name, data = rng.choice(SEEDS[reader])
    mutated, how = mutate(rng, data)
    path = tmp / f"case{SUFFIX[reader]}"
    path.write_bytes(mutated)
    return path, f"{name} {how}", rng


def _need(reader: str) -> None:
    if not SEEDS[reader]:
        pytest.skip(f"no {reader} seed files (../shared/data is absent)")


# ---- the shares ---------------------------------------------------------------------------------

# the inputs through summarize and validate, split between the readers; then the other commands
READERS = {"yaml": 0.5, "darknet": 0.25, "caffe": 0.25}
MAIN_SHARE, OTHER_SHARE, CALC_SHARE = 0.8, 0.14, 0.06
SUMMARIZE_FORMATS = ["table", "json", "csv", "markdown"]


@pytest.mark.parametrize("reader", list(READERS))
def test_summarize_and_validate(reader: str, tmp_path: Path) -> None:
    _need(reader)

    def cases() -> Iterator[Case]:
        for i in _wanted(reader, int(TOTAL * MAIN_SHARE * READERS[reader])):
            path, what, rng = _input(tmp_path, reader, i)
            if i % 2:
                yield Case(f"{reader}:{i}", what, ["validate", str(path)])
            else:
                yield Case(f"{reader}:{i}", what,
                           ["summarize", str(path), "--format", rng.choice(SUMMARIZE_FORMATS)])

    run_cases(cases())


OTHER_COMMANDS: list[list[str]] = [
    ["explain"], ["explain", "--format", "markdown"], ["diagram"], ["diagram", "--format", "mermaid"],
    ["diagram", "--format", "dot"], ["export", "--to", "pytorch"], ["memory"], ["memory", "--format", "json"],
    ["constraints"], ["import"],
]


@pytest.mark.parametrize("reader", list(READERS))
def test_other_commands(reader: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _need(reader)
    # constraints tries sizes until its own deadline (20 s, then it says the search stopped):
    # shortened here so that its deadline, well inside the 5 s cap, is what bounds it. The
    # deadline is on the clock while the cap is CPU time, and a traced case runs ~2x slower:
    # 1 s leaves room for tracing and for the work before and after the search.
    monkeypatch.setattr("cnncalc.constraints.TIME_LIMIT", 1.0)
    import sympy  # noqa: F401  (a one-time import is no input's cost: not inside the first case's cap)
    offset = 1_000_000  # other indices than the main share's, so other inputs

    def cases() -> Iterator[Case]:
        count = int(TOTAL * OTHER_SHARE * READERS[reader])
        for i in _wanted(reader, count, offset):
            path, what, rng = _input(tmp_path, reader, i)
            command = rng.choice(OTHER_COMMANDS if reader != "yaml" else OTHER_COMMANDS[:-1])
            yield Case(f"{reader}:{i}", what, [command[0], str(path), *command[1:]])

    run_cases(cases())


# calc and check take their own inputs: layer chains on the command line, an answer sheet
CALC_SEEDS = [
    ["600x600x3", "conv 10 f=3 s=2 x4", "fc 1"],
    ["32x32x3", "conv:16,f=3,padding=same -> pool 2 -> conv 32 f=3 s=2; gap; fc 10"],
    ["224x224x3", "conv 64 f=7 s=2 p=3", "bn", "relu", "pool f=3 s=2 p=1", "depthwise 3 multiplier=2"],
    ["3072", "fc 100", "dropout 0.5", "fc 10 activation=softmax"],
    ["28x28x1", "deconv 8 f=4 s=2", "upsample 2", "adaptive_pool 7", "zeropad 1", "crop 5"],
]
CALC_OPTIONS = [[], ["--format", "json"], ["--explain"], ["--strict"], ["--format", "csv"]]
SHEET_SEEDS = [
    b"conv1:\n  output: 28x28x6\n  params: 156\n  macs: 117600\npool1:\n  output: [14, 14, 6]\n"
    b"conv2:\n  params: \"2,416\"\nfc1:\n  params: 48_120\ntotals:\n  params: ~62K\n  macs: {approx: 416K}\n",
    b"totals:\n  output: [10]\n  activations: about 6.1K\n  buffers: 0\n  trainable: 61706\n",
]


def test_calc_and_check(tmp_path: Path) -> None:
    def cases() -> Iterator[Case]:
        for i in _wanted("calc", int(TOTAL * CALC_SHARE)):
            rng = random.Random(f"{SEED}:calc:{i}")
            if i % 2:
                sheet, how = mutate(rng, rng.choice(SHEET_SEEDS))
                path = tmp_path / "answers.yaml"
                path.write_bytes(sheet)
                yield Case(f"calc:{i}", f"sheet {how}", ["check", "lenet5", str(path)])
            else:
                words = [w.encode() for w in rng.choice(CALC_SEEDS)]
                k = rng.randrange(len(words))
                words[k], how = mutate(rng, words[k])
                args = [w.decode("utf-8", "replace").replace("\0", "") for w in words]
                yield Case(f"calc:{i}", f"calc {how}", ["calc", *args, *rng.choice(CALC_OPTIONS)])

    run_cases(cases())


# ---- the harness itself ------------------------------------------------------------------------


def test_the_harness_sees_a_crash_a_hang_and_an_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above can fail: a raised error, a hang and an internal-error exit are caught."""
    import sys

    import cnncalc.validate

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    def spin(*args: object, **kwargs: object) -> None:
        while True:
            pass

    def blocked(*args: object, **kwargs: object) -> None:
        while True:
            time.sleep(0.01)

    def internal(*args: object, **kwargs: object) -> None:
        print("cnncalc: internal error: boom; rerun with --debug for the traceback", file=sys.stderr)
        sys.exit(3)

    case = Case("test:0", "lenet5", ["validate", str(ROOT / "architectures" / "lenet5.yaml")])
    assert problem(case, 0) is None
    for replacement, expected in ((boom, ("uncaught ZeroDivisionError", "exit 3")), (spin, ("over 0.1 s",)),
                                  (blocked, ("over 0.1 s",)), (internal, ("exit 3",))):
        monkeypatch.setattr(cnncalc.validate, "validate_paths", replacement)
        found = problem(case, 1, limit=0.1)
        assert found is not None and found.startswith(expected), found


def test_mutations_change_the_input_and_are_reproducible() -> None:
    data = SEEDS["yaml"][0][1]
    for mutation in MUTATIONS:
        outs = {mutation(random.Random(k), data) for k in range(20)}
        assert any(out != data for out in outs), mutation.__name__
        assert mutation(random.Random(5), data) == mutation(random.Random(5), data)
