"""Conditions on symbolic input sizes: the smallest input, and the sizes that never floor.

Both are found by running the same concrete arithmetic over candidate sizes, so they cannot
disagree with `summarize`: the shapes are periodic in the input size with period P, the
product of the strides (the largest jump), so checking one period of residues decides them all.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .analysis import analyze_text
from .errors import CnnError

MAX_SIDE = 4096
TIME_LIMIT = 20.0
EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class Conditions:
    symbols: tuple[str, ...]
    period: int
    smallest: int | None  # smallest side (all symbols equal) giving every layer a positive size
    smallest_error: str | None  # why the size below the smallest fails
    clean_residues: tuple[int, ...]  # n mod period for which nothing floors and merges align
    examples: tuple[int, ...]  # the first few clean sizes at or above `smallest`

    def reduced(self) -> tuple[int, tuple[int, ...]]:
        """The smallest modulus that states the same condition: 1, 3, ..., 31 (mod 32) is 1 (mod 2)."""
        clean = set(self.clean_residues)
        for d in range(1, self.period + 1):
            if self.period % d == 0:
                kept = {r % d for r in clean}
                if {r for r in range(self.period) if r % d in kept} == clean:
                    return d, tuple(sorted(kept))
        return self.period, self.clean_residues

    def describe(self) -> str:
        names = " and ".join(self.symbols)
        if not self.clean_residues:
            return f"no size of {names} avoids every floor (some layer always floors)"
        period, residues = self.reduced()
        if period == 1:
            return f"any {names} (no division ever floors)"
        if residues == (0,):
            return f"{names} divisible by {period}"
        if period == 2:
            return f"{names} odd"
        listed = ", ".join(str(r) for r in residues)
        return f"{names} ≡ {listed} (mod {period})"


def _try(text: str, filename: str, sets: Mapping[str, Any], input_override: str | None,
         symbols: tuple[str, ...], n: int) -> tuple[bool, bool, str | None]:
    """(valid, clean, error) for every symbol set to n."""
    values = dict(sets)
    values.update({s: n for s in symbols})
    try:
        report = analyze_text(text, filename, values, input_override)
    except CnnError as exc:
        return False, False, exc.message
    return True, not report.warnings, None


def find(text: str, filename: str, sets: Mapping[str, Any] | None = None,
         input_override: str | None = None) -> Conditions:
    sets = dict(sets or {})
    symbolic = analyze_text(text, filename, sets, input_override)
    symbols = symbolic.symbols
    if not symbols:
        raise CnnError("the input has no symbolic size: give one with --input HxWx3")
    period = 1
    for row in symbolic.rows:
        for j in row.jump or ():
            if isinstance(j, (int, Fraction)):
                period = math.lcm(period, Fraction(j).numerator)
    deadline = time.monotonic() + TIME_LIMIT
    smallest, why = None, None
    last_error = None
    for n in range(1, MAX_SIDE + 1):
        ok, _, error = _try(text, filename, sets, input_override, symbols, n)
        if ok:
            smallest, why = n, last_error
            break
        last_error = error
        if time.monotonic() > deadline:
            break
    clean: list[int] = []
    examples: list[int] = []
    if smallest is not None:
        base = smallest + (-smallest) % period  # first multiple of the period at or above it
        for r in range(period):
            n = base + r
            ok, is_clean, _ = _try(text, filename, sets, input_override, symbols, n)
            ok2, is_clean2, _ = _try(text, filename, sets, input_override, symbols, n + period)
            if ok and is_clean and ok2 and is_clean2:
                clean.append(n % period)
            if time.monotonic() > deadline:
                break
        # the first clean sizes from the smallest on (not from `base`: 63 < 64 fits AlexNet)
        residues = set(clean)
        n = smallest
        while len(examples) < EXAMPLES and residues and n < base + 2 * period * EXAMPLES:
            if n % period in residues and _try(text, filename, sets, input_override, symbols, n)[1]:
                examples.append(n)
            n += 1
    return Conditions(symbols, period, smallest, why, tuple(sorted(clean)), tuple(examples))
