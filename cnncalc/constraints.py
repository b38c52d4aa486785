"""Conditions on symbolic input sizes: the smallest input, and the sizes that never floor.

Both are found by running the same concrete arithmetic over candidate sizes, so they cannot
disagree with `summarize`: the shapes are periodic in the input size with period P, the
product of the strides (the largest jump), so checking one period of residues decides them all.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from . import progress
from .analysis import analyze_text
from .errors import CnnError
from .escape import visible

MAX_SIDE = 4096
TIME_LIMIT = 20.0
EXAMPLES = 5
MAX_PERIODS = 16  # periods read past the first before the residues are taken as they stand


@dataclass(frozen=True, slots=True)
class Conditions:
    symbols: tuple[str, ...]
    period: int
    smallest: int | None  # smallest side (all symbols equal) giving every layer a positive size
    smallest_error: str | None  # why the size below the smallest fails
    clean_residues: tuple[int, ...]  # n mod period for which nothing floors and merges align
    examples: tuple[int, ...]  # the first few clean sizes at or above `smallest`
    # n mod period for which merges align and every floor leaves only padding uncovered (no
    # input row or column dropped): YOLO's stride-2 3x3 pad-1 convs at 416 floor this way
    padding_residues: tuple[int, ...] = ()
    padding_examples: tuple[int, ...] = ()
    complete: bool = True  # False: the time limit stopped the search of residues
    # The residues decide every size from `start` (a period past the first multiple of the
    # period at or above the smallest) on; below it a size can differ (`shortcut: auto` picks stride 1 at H = 1,
    # a ceil-mode pool drops its last window): those sizes, each tried, at each level
    start: int = 0
    exceptions: tuple[int, ...] = ()
    padding_exceptions: tuple[int, ...] = ()

    def reduced(self, residues: tuple[int, ...] | None = None) -> tuple[int, tuple[int, ...]]:
        """The smallest modulus that states the same condition: 1, 3, ..., 31 (mod 32) is 1 (mod 2)."""
        clean = set(self.clean_residues if residues is None else residues)
        for d in range(1, self.period + 1):
            if self.period % d == 0:
                kept = {r % d for r in clean}
                if {r for r in range(self.period) if r % d in kept} == clean:
                    return d, tuple(sorted(kept))
        return self.period, tuple(sorted(clean))

    def describe(self, residues: tuple[int, ...] | None = None) -> str:
        chosen = self.clean_residues if residues is None else residues
        exceptions = self.exceptions if chosen == self.clean_residues else self.padding_exceptions
        names = " and ".join(self.symbols)
        # sizes under `start` the residues misjudge: clean though their residue is not, or not
        extra = ", ".join(str(n) for n in exceptions if n % self.period not in chosen)
        missing = ", ".join(str(n) for n in exceptions if n % self.period in chosen)
        if not chosen and extra and not missing:
            return f"only {names} = {extra} (every size from {self.start} on floors)"
        text = self._rule(residues)
        if extra or missing:
            text += f" from {self.start} on"
        if extra:
            text += f"; below {self.start}, {names} = {extra}"
        if missing:
            text += f"; below {self.start}, not {names} = {missing}"
        return text

    def is_clean(self, n: int, residues: tuple[int, ...] | None = None) -> bool:
        """What `describe` states, for one size (every symbol set to n)."""
        chosen = self.clean_residues if residues is None else residues
        exceptions = self.exceptions if chosen == self.clean_residues else self.padding_exceptions
        if self.smallest is None or n < self.smallest:
            return False
        return (n % self.period in chosen) != (n in exceptions)

    def _rule(self, residues: tuple[int, ...] | None = None) -> str:
        names = " and ".join(self.symbols)
        chosen = self.clean_residues if residues is None else residues
        if not chosen:
            return f"no size of {names} avoids every floor (some layer always floors)"
        period, kept = self.reduced(chosen)
        if period == 1:
            return f"any {names} (no division ever floors)" if residues is None else f"any {names}"
        if kept == (0,):
            return f"{names} divisible by {period}"
        if period == 2:
            return f"{names} odd"
        return f"{names} ≡ {_runs(kept)} (mod {period})"


def _runs(values: tuple[int, ...]) -> str:
    """0, 25, 26, 27, 28 -> '0, 25..28': a run of three or more consecutive values as a range."""
    out: list[str] = []
    k = 0
    while k < len(values):
        j = k
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        out += [f"{values[k]}..{values[j]}"] if j - k >= 2 else [str(v) for v in values[k:j + 1]]
        k = j + 1
    return ", ".join(out)


CLEAN, PADDING_ONLY, FLOORS = 2, 1, 0


_READS: dict[tuple[str, str], set[str]] = {}


def _reads(text: str, filename: str) -> set[str]:
    """The names the file itself lets --set give (spec.settable), once per file."""
    key = (filename, text)
    if key not in _READS:
        from .analysis import load_root
        from .spec import settable

        _READS.clear()
        _READS[key] = settable(load_root(text, filename))
    return _READS[key]


def _try(text: str, filename: str, sets: Mapping[str, Any], input_override: str | None,
         symbols: tuple[str, ...], n: int) -> tuple[bool, int, str | None]:
    """(valid, CLEAN / PADDING_ONLY / FLOORS, error) for every symbol set to n."""
    values = dict(sets)
    values.update({s: n for s in symbols})
    if input_override:  # a concrete --input: symbolic parsing and substitution cost 10x more
        parts = [p.strip() for p in re.split(r"[x×]", input_override)]
        if all(p in symbols or p.isdigit() for p in parts):
            input_override = "x".join(str(n) if p in symbols else p for p in parts)
            # a size now given by --input is no name of the file's to --set (unless it reads it)
            values = {k: v for k, v in values.items() if k not in symbols or k in _reads(text, filename)}
    try:
        report = analyze_text(text, filename, values, input_override)
    except CnnError as exc:
        return False, FLOORS, visible(exc.message)  # printed as one line; it may name a layer
    if not report.warnings and not report.notes:
        return True, CLEAN, None
    # notes are the harmless floors (only padding, or what the stride skips anyway): --strict passes
    return True, PADDING_ONLY if not report.warnings else FLOORS, None


def find(text: str, filename: str, sets: Mapping[str, Any] | None = None,
         input_override: str | None = None) -> Conditions:
    sets = dict(sets or {})
    symbolic = analyze_text(text, filename, sets, input_override)
    symbols = tuple(dict.fromkeys(symbolic.symbols))  # [H, H, 3] names H once
    if not symbols:
        raise CnnError("the input has no symbolic size: give one with --input HxWx3")
    period = 1
    for row in symbolic.rows:
        for j in row.jump or ():
            if isinstance(j, (int, Fraction)):
                period = math.lcm(period, Fraction(j).numerator)
    deadline = time.monotonic() + TIME_LIMIT

    tried: dict[int, tuple[bool, int, str | None]] = {}  # each size analysed once

    def at(n: int) -> tuple[bool, int, str | None]:
        if n not in tried:
            progress.step("input sizes tried", len(tried))
            tried[n] = _try(text, filename, sets, input_override, symbols, n)
        return tried[n]

    smallest, why = None, None
    last_error = None
    for n in range(1, MAX_SIDE + 1):
        ok, _, error = at(n)
        if ok:
            smallest, why = n, last_error
            break
        last_error = error
        if time.monotonic() > deadline:
            break
    complete = True
    base = 0

    def read(start: int) -> dict[int, int] | None:
        """Each residue's level, read at start .. start + period - 1; None when the deadline passed."""
        out: dict[int, int] = {}
        for n in range(start, start + period):
            if time.monotonic() > deadline:
                return None
            ok, level, _ = at(n)
            out[n % period] = level if ok else -1
        return out

    levels: dict[int, int] = {}  # residue -> its level, once two periods in a row agree
    if smallest is not None:
        # from the first multiple of the period at or above it, plus a period: `shortcut: auto`
        # picks its stride per size, and at small sizes a smaller stride than the period's can
        # fit (s = 2 and s = 3 both take 4 rows to 2). Where that lasts longer, two periods in a
        # row disagree: the residues are read one period further on, until they agree.
        base = smallest + (-smallest) % period + period
        first = read(base)
        for _ in range(MAX_PERIODS):
            second = read(base + period) if first is not None else None
            if first is None or second is None:
                complete = False
                levels = first or {}
                break
            if second == first:
                levels = first
                break
            base, first = base + period, second
        else:
            levels = first or {}
    clean = tuple(sorted(r for r, v in levels.items() if v == CLEAN))
    lenient = tuple(sorted(r for r, v in levels.items() if v >= PADDING_ONLY))
    below: dict[int, int] = {}  # sizes under `base`, where the residues may not decide
    if smallest is not None:
        for n in range(smallest, base):
            if time.monotonic() > deadline:
                complete = False
                break
            ok, level, _ = at(n)
            below[n] = level if ok else -1
    exceptions = tuple(n for n, v in below.items() if (v == CLEAN) != (n % period in clean))
    padding_exceptions = tuple(n for n, v in below.items() if (v >= PADDING_ONLY) != (n % period in lenient))

    def examples(residues: tuple[int, ...], least: int) -> tuple[int, ...]:
        """The first clean sizes from the smallest on (not from `base`: 63 < 64 fits AlexNet)."""
        out: list[int] = []
        n = smallest or 1
        limit = n + 2 * period * EXAMPLES + period
        while len(out) < EXAMPLES and n < limit and time.monotonic() < deadline + 5:
            if n in below:
                if below[n] >= least:
                    out.append(n)
            elif not residues:
                break
            elif n % period in residues:
                ok, level, _ = at(n)
                if ok and level >= least:
                    out.append(n)
            n += 1
        return tuple(out)

    progress.finish("input sizes tried")
    return Conditions(symbols, period, smallest, why, clean, examples(clean, CLEAN), lenient,
                      examples(lenient, PADDING_ONLY) if lenient != clean else (), complete,
                      base, exceptions, padding_exceptions)
