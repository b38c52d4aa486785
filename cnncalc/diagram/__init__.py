"""Pictures of a network: SVG boxes in the course's style, or its graph as Mermaid or DOT."""

from __future__ import annotations

from ..report import Report

FORMATS = ("svg", "mermaid", "dot")


def render(report: Report, fmt: str = "svg", depth: int | None = None) -> str:
    if fmt == "mermaid":
        from . import mermaid

        return mermaid.render(report, depth)
    if fmt == "dot":
        from . import dot

        return dot.render(report, depth)
    from . import layout, svg

    return svg.render(layout.layout(report, depth))
