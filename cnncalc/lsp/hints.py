"""What each line of a file computes: the rows (or composites) written there, summed.

A line may stand for one leaf (`- conv: ...`), for a composite or block use (its members
summed), for `repeat: N` copies, or, inside a block definition, for every use of the block;
then the hint says how many (`×16`) and the first and last output.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..explain import shape
from ..render.values import text as size_text
from ..report import Report, Row


@dataclass(frozen=True, slots=True)
class Subject:
    name: str  # a leaf or a composite name, as `explain` takes it
    rows: tuple[Row, ...]

    @property
    def output(self) -> tuple[Any, ...]:
        return self.rows[-1].output


@dataclass(frozen=True, slots=True)
class LineFacts:
    line: int  # 1-based, as Locations count
    subjects: tuple[Subject, ...]

    @property
    def rows(self) -> list[Row]:
        return [r for s in self.subjects for r in s.rows]

    def label(self) -> str:
        first, last = self.subjects[0].output, self.subjects[-1].output
        outputs = shape(first) if all(s.output == first for s in self.subjects) else f"{shape(first)} … {shape(last)}"
        rows = self.rows
        params = sum(r.params for r in rows)
        macs = sum(r.macs for r in rows)
        label = f"-> {outputs} · {short(params)} params · {short(macs)} MACs"
        # copies (`repeat`, a block's uses) say how many; a Darknet section's conv and its
        # activation are two different layers, summed without a count
        copies = len(self.subjects) > 1 and len({s.rows[0].kind for s in self.subjects}) == 1
        return label + (f" · ×{len(self.subjects)}" if copies else "")


def short(value: Any) -> str:
    """117600 -> '117.6K', 25557032 -> '25.6M'; below 1000 and symbolic values as they are."""
    if not isinstance(value, int):
        return size_text(value)
    for unit, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if abs(value) >= scale:
            return f"{value / scale:.1f}{unit}"
    return str(value)


def by_line(report: Report) -> dict[int, LineFacts]:
    """LineFacts for every line of `report.file` that writes a layer, a composite or a block use."""
    assert report.graph is not None
    members: dict[str, list[Row]] = defaultdict(list)
    leaves_at: dict[int, list[Row]] = defaultdict(list)
    for row in report.rows:
        if row.leaf is not None:
            for g in row.leaf.groups:
                members[g].append(row)
        if row.loc.file == report.file:
            leaves_at[row.loc.line].append(row)
    groups_at: dict[int, list[str]] = defaultdict(list)
    for g in report.graph.groups.values():
        if g.loc.file == report.file and members.get(g.name):
            groups_at[g.loc.line].append(g.name)
    facts: dict[int, LineFacts] = {}
    for line, names in groups_at.items():
        here = set(names)
        # a body's group sits where its composite does: count the outermost only
        outer = [n for n in names if not any(p in here for p in _ancestors(n))]
        facts[line] = LineFacts(line, tuple(Subject(n, tuple(members[n])) for n in outer))
    for line, rows in leaves_at.items():
        if line not in facts:
            facts[line] = LineFacts(line, tuple(Subject(r.name, (r,)) for r in rows))
    return dict(sorted(facts.items()))


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]
