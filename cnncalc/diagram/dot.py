"""The graph in Graphviz DOT: one node per layer (name, kind, shape), edges from `from`."""

from __future__ import annotations

from ..escape import dot
from ..report import Report
from .nodes import graph


def _q(text: str) -> str:
    return f'"{dot(text)}"'


def render(report: Report, depth: int | None = None) -> str:
    nodes, edges = graph(report, depth)
    out = [
        f"digraph {_q(report.name or report.file)} {{",
        "    rankdir=TB;",
        '    node [shape=box, style="rounded,filled", fillcolor="#eef3fa", fontname="DejaVu Sans",'
        " fontsize=10];",
    ]
    for n in nodes:
        label = "\\n".join(_q(t)[1:-1] for t in n.lines)
        out.append(f'    {n.id} [label="{label}", kind={_q(n.kind)}, tooltip={_q(n.shape)}];')
    for a, b in edges:
        out.append(f"    {a} -> {b};")
    out.append("}")
    return "\n".join(out) + "\n"
