"""Several reports side by side: totals with differences and ratios against the first, and the
per-layer rows that differ (matched by name). Plain data; `render/compare_text.py` writes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .report import Report, Row

TOTAL_KEYS = ("params", "trainable", "buffers", "macs", "flops", "activations", "param_bytes")
ROW_KEYS = ("output", "params", "macs")


@dataclass(frozen=True, slots=True)
class TotalLine:
    key: str
    values: tuple[Any, ...]  # one per report

    @property
    def differences(self) -> tuple[Any, ...]:
        """Each later report minus the first."""
        first = self.values[0]
        return tuple(v - first for v in self.values[1:])

    @property
    def ratios(self) -> tuple[float | None, ...]:
        first = self.values[0]
        return tuple(
            v / first if isinstance(v, int) and isinstance(first, int) and first else None
            for v in self.values[1:]
        )


@dataclass(frozen=True, slots=True)
class LayerLine:
    """A layer name whose output, params or MACs differ between reports (None: absent there)."""

    name: str
    rows: tuple[Row | None, ...]

    @property
    def changed(self) -> tuple[str, ...]:
        present = [r for r in self.rows if r is not None]
        if len(present) != len(self.rows):
            return ("absent",)
        return tuple(k for k in ROW_KEYS if len({_key(getattr(r, k)) for r in present}) > 1)


def _key(v: Any) -> Any:
    return tuple(str(d) for d in v) if isinstance(v, tuple) else str(v)


@dataclass(slots=True)
class Comparison:
    titles: tuple[str, ...]
    files: tuple[str, ...]
    totals: list[TotalLine]
    layers: list[LayerLine]
    same_layers: int  # names present everywhere with equal numbers
    shared: int = 0  # layer names present in every report
    most: int = 0  # rows of the largest report

    @property
    def related(self) -> bool:
        """Variants of one network (half its layer names or more in every report); matching
        layers of different architectures by name lists them nearly all, one by one."""
        return 2 * self.shared >= self.most


def compare(reports: list[Report]) -> Comparison:
    totals = [TotalLine(k, tuple(r.totals.get(k) for r in reports)) for k in TOTAL_KEYS]
    by_name = [{row.name: row for row in r.rows} for r in reports]
    names: list[str] = []
    for r in reports:  # first appearance order, so layers stay in execution order
        for row in r.rows:
            if row.name not in names:
                names.append(row.name)
    layers, same = [], 0
    for name in names:
        line = LayerLine(name, tuple(b.get(name) for b in by_name))
        if line.changed:
            layers.append(line)
        else:
            same += 1
    labels = tuple(_label(r.file) for r in reports)
    if len(set(labels)) != len(labels):
        labels = tuple(r.file for r in reports)
    shared = sum(1 for name in names if all(name in b for b in by_name))
    return Comparison(tuple(r.name or r.file for r in reports), labels, totals, layers, same, shared,
                      max(len(r.rows) for r in reports))


def _label(file: str) -> str:
    """`architectures/naive_5x5.yaml` -> `naive_5x5`: short column headings."""
    base = file.replace("\\", "/").rsplit("/", 1)[-1]
    for ext in (".yaml", ".yml"):
        if base.endswith(ext):
            return base[: -len(ext)]
    return base
