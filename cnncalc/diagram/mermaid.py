"""The graph as a Mermaid flowchart, for Markdown on GitHub: one node per layer."""

from __future__ import annotations

from ..escape import mermaid
from ..report import Report
from .nodes import graph

CLASSES = {
    "conv": "fill:#9ecae1", "pool": "fill:#fdae6b", "fc": "fill:#a1d99b", "merge": "fill:#bcbddc",
}
FAMILY = {"conv": "conv", "depthwise": "conv", "deconv": "conv", "local": "conv", "pool": "pool",
          "gap": "pool", "gmp": "pool", "adaptive_pool": "pool", "fc": "fc", "add": "merge",
          "concat": "merge"}


def render(report: Report, depth: int | None = None) -> str:
    nodes, edges = graph(report, depth)
    out = ["flowchart TD"]
    for n in nodes:
        label = "<br/>".join(mermaid(t) for t in n.lines)
        out.append(f'    {n.id}["{label}"]')
    for a, b in edges:
        out.append(f"    {a} --> {b}")
    for family, style in CLASSES.items():
        members = [n.id for n in nodes if FAMILY.get(n.kind) == family]
        if members:
            out.append(f"    classDef {family} {style}")
            out.append(f"    class {','.join(members)} {family}")
    return "\n".join(out) + "\n"
