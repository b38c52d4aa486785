"""The graph as the text formats draw it: one node per (folded) row and the input."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..graph import INPUT
from ..report import Report, fold
from . import labels


@dataclass(frozen=True, slots=True)
class GraphNode:
    id: str  # safe for Mermaid and DOT
    name: str
    kind: str
    what: str  # 'conv 5x5 s1'
    shape: str

    @property
    def lines(self) -> list[str]:
        """The label's lines: name, what it does (unless that is its name), shape."""
        return [self.name, self.shape] if self.name == self.what else [self.name, self.what, self.shape]


def graph(report: Report, depth: int | None) -> tuple[list[GraphNode], list[tuple[str, str]]]:
    rows = fold(report, depth)
    ids: dict[str, str] = {}
    taken: set[str] = set()

    def ident(name: str) -> str:
        base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)  # ASCII: a bare ID in DOT and Mermaid
        out, k = base, 1
        while out in taken:
            k += 1
            out = f"{base}_{k}"
        taken.add(out)
        ids[name] = out
        return out

    nodes = [GraphNode(ident(INPUT), INPUT, "input", "input", labels.shape(report.input))]
    for row in rows:
        what = " + ".join(labels.lines(row)) if row.leaf is not None else row.kind
        nodes.append(GraphNode(ident(row.name), row.name, row.kind, what, labels.shape(row.output)))
    edges = [(ids[i], ids[row.name]) for row in rows for i in row.inputs if i in ids]
    return nodes, edges
