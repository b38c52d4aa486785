"""What the HTML report shows of one network, as plain data: the layer table as a tree (every
leaf and every composite, each composite's row holding its members' sums, exactly the rows
`summarize --depth` folds to), each leaf's worked formulas as `explain` prints them, the
diagnostics at their rows, the activation-memory curve and the course diagram.

Nothing here writes HTML: `render/html_report.py` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .diagram.geometry import Diagram
from .errors import CnnError, Diagnostic
from .explain import Explanation, explain
from .memory import Memory, estimate
from .report import Report, Row, fold

# the page opens folded as `summarize --depth 1` (top-level composites on one row each)
DEFAULT_DEPTH = 1
# a diagram of more drawn layers than this would be megabytes no one reads: the page says so
MAX_DIAGRAM_ROWS = 1500


@dataclass(slots=True)
class PageRow:
    """A table row: a leaf, or a composite (its sums; `end` is the index of its last member)."""

    row: Row
    level: int  # 0 at the top level; a composite's members are one deeper
    parent: int  # index of the enclosing composite's row, -1 at the top level
    end: int  # the last row inside this one (itself for a leaf)
    folded: bool  # a composite shown folded when the page opens
    hidden: bool  # inside a folded composite when the page opens
    diagnostics: list[Diagnostic] = field(default_factory=list)
    inner_problems: int = 0  # diagnostics on rows inside a composite
    explanation: str = ""  # `cnncalc explain FILE NAME` without its title line (leaves only)

    @property
    def is_group(self) -> bool:
        return self.row.leaf is None


@dataclass(slots=True)
class NetworkPage:
    report: Report
    rows: list[PageRow]
    depth: int
    header_problems: list[Diagnostic]  # failed `expect`s on the totals
    memory: Memory | None
    memory_note: str  # why there is no curve, when there is none
    diagram: Diagram | None
    diagram_note: str  # why there is no diagram, when there is none

    @property
    def shown(self) -> list[tuple[int, PageRow]]:
        """(index, row) of the rows `summarize --depth` prints: those the page opens with,
        less the headings of unfolded composites (whose members are on show)."""
        return [(i, r) for i, r in enumerate(self.rows) if not r.hidden and (r.folded or not r.is_group)]


def build(report: Report, plain: Report, depth: int = DEFAULT_DEPTH) -> NetworkPage:
    """`report` is counted under the chosen convention; `plain` is the same network counted
    cnncalc's way, for the formulas (`explain` shows cnncalc's arithmetic)."""
    rows = _tree(report, depth)
    header = _attach(report, rows)
    _explain_leaves(plain, rows)
    memory, memory_note = _memory(report)
    picture, note = _diagram(report, depth, sum(not r.hidden and (r.folded or not r.is_group) for r in rows))
    return NetworkPage(report, rows, depth, header, memory, memory_note, picture, note)


def _tree(report: Report, depth: int) -> list[PageRow]:
    """Leaves in execution order with a row opened before each composite's first member."""
    group_rows = _group_rows(report)
    out: list[PageRow] = []
    stack: list[tuple[str, int]] = []  # open composites: (name, row index)
    for row in report.rows:
        groups = row.leaf.groups if row.leaf is not None else ()
        keep = 0
        while keep < len(stack) and keep < len(groups) and stack[keep][0] == groups[keep]:
            keep += 1
        for _, index in stack[keep:]:
            out[index].end = len(out) - 1
        del stack[keep:]
        for name in groups[keep:]:
            if name not in group_rows:  # seen before and closed: keep the leaf where it is
                continue
            out.append(_page_row(group_rows.pop(name), len(stack), out, stack, depth))
            stack.append((name, len(out) - 1))
        out.append(_page_row(row, len(stack), out, stack, depth))
    for _, index in stack:
        out[index].end = len(out) - 1
    return out


def _page_row(row: Row, level: int, out: list[PageRow], stack: list[tuple[str, int]], depth: int) -> PageRow:
    parent = stack[-1][1] if stack else -1
    hidden = parent >= 0 and (out[parent].hidden or out[parent].folded)
    folded = row.leaf is None and level + 1 >= depth
    return PageRow(row, level, parent, len(out), folded, hidden)


def _group_rows(report: Report) -> dict[str, Row]:
    """Each composite's folded row, as `fold` sums it at the depth where it folds."""
    deepest = max((len(r.leaf.groups) for r in report.rows if r.leaf is not None), default=0)
    found: dict[str, Row] = {}
    for depth in range(1, deepest + 1):
        for row in fold(report, depth):
            if row.leaf is None:
                found.setdefault(row.name, row)
    return found


def _attach(report: Report, rows: list[PageRow]) -> list[Diagnostic]:
    """Warnings, notes (harmless floors) and failed expectations onto their rows; those about
    the totals returned."""
    index = {r.row.name: i for i, r in enumerate(rows)}
    header: list[Diagnostic] = []
    for d in report.warnings + report.notes + report.failures:
        at = index.get(d.layer or "")
        if at is None:
            header.append(d)
            continue
        rows[at].diagnostics.append(d)
        parent = rows[at].parent
        while parent >= 0:
            rows[parent].inner_problems += 1
            parent = rows[parent].parent
    return header


def _explain_leaves(plain: Report, rows: list[PageRow]) -> None:
    from .render.explain_text import text

    if plain.graph is None:
        return
    exp = explain(plain)
    by_name = {layer.name: layer for layer in exp.layers}
    for r in rows:
        layer = by_name.get(r.row.name)
        if layer is None:
            continue
        one = Explanation(exp.title, exp.file, exp.input, [layer])
        # explain FILE NAME prints a title line and a blank line first: the page has its own title
        r.explanation = text(one).split("\n", 2)[2].rstrip("\n")


def _memory(report: Report) -> tuple[Memory | None, str]:
    try:
        return estimate(report, report.dtype), ""
    except CnnError as exc:
        return None, exc.message


def _diagram(report: Report, depth: int, shown: int) -> tuple[Diagram | None, str]:
    if shown > MAX_DIAGRAM_ROWS:
        return None, (f"no diagram: {shown:,} rows at depth {depth} would draw an unreadable picture;"
                    " `cnncalc diagram --depth N` draws one")
    from .diagram import layout

    return layout.layout(report, depth), ""


def values(row: Row) -> dict[str, Any]:
    """The numbers a row shows, by column key."""
    return {"activations": row.activations, "params": row.params, "macs": row.macs,
            "trainable": row.trainable, "buffers": row.buffers}
