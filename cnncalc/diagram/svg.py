"""Diagram -> SVG text: plain XML, no dependencies, readable by browsers and rsvg-convert.

Every layer is a `<g class="layer" data-name=... data-kind=...>` holding its box (if it is a
volume), its shape and the label under the arrow into it; a layer drawn as a note on an
arrow, or on a shortcut arc, holds only its label.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..escape import xml
from .layout import MARGIN, TITLE_FONT, Box, Diagram, Item, Path

# front, top, side faces per colour family (top lighter, side darker: light from the top left)
PALETTE = {
    "input": ("#eeeeee", "#f7f7f7", "#d0d0d0"),
    "conv": ("#9ecae1", "#c6dbef", "#6baed6"),
    "pool": ("#fdae6b", "#fdd0a2", "#f08a3c"),
    "fc": ("#a1d99b", "#c7e9c0", "#74c476"),
    "merge": ("#bcbddc", "#dadaeb", "#9e9ac8"),
    "folded": ("#d9d9d9", "#ececec", "#bdbdbd"),
    "other": ("#fee391", "#fff3b8", "#fec44f"),
    "note": ("#ffffff", "#ffffff", "#ffffff"),
}
STROKE = "#333333"

STYLE = """
text { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; fill: #222; }
.label { font-size: 11px; text-anchor: middle; }
.shape { font-size: 10px; text-anchor: middle; fill: #444; }
.title { font-size: 15px; font-weight: bold; }
.subtitle { font-size: 11px; fill: #555; }
.box { stroke: #333; stroke-width: 0.8; stroke-linejoin: round; }
.folded .box { stroke-dasharray: 4 2; }
.ghost .box { stroke-dasharray: 3 2; fill-opacity: 0.45; }
.ghost text { fill: #888; }
.edge { fill: none; stroke: #555; stroke-width: 1.1; }
.edge.arc { stroke: #7b5ea7; }
.edge.wrap, .edge.extra { stroke-dasharray: 5 3; stroke: #999; }
"""


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _box(box: Box, family: str) -> list[str]:
    front, top, side = PALETTE.get(family, PALETTE["other"])
    x, y, w, h, ox, oy = box.x, box.y, box.width, box.height, box.ox, box.oy
    out = []
    if box.depth > 0:
        lid = _points([(x, y), (x + w, y), (x + w + ox, y - oy), (x + ox, y - oy)])
        flank = _points([(x + w, y), (x + w + ox, y - oy), (x + w + ox, y + h - oy), (x + w, y + h)])
        out.append(f'<polygon class="box top" fill="{top}" points="{lid}"/>')
        out.append(f'<polygon class="box side" fill="{side}" points="{flank}"/>')
    out.append(f'<rect class="box front" fill="{front}" x="{_n(x)}" y="{_n(y)}" '
               f'width="{_n(w)}" height="{_n(h)}"/>')
    return out


def _rounded(points: tuple[tuple[float, float], ...], radius: float = 7.0) -> str:
    """A polyline with rounded corners (quadratic curves at each inner point)."""
    d = [f"M{_n(points[0][0])},{_n(points[0][1])}"]
    for k in range(1, len(points) - 1):
        (x0, y0), (x1, y1), (x2, y2) = points[k - 1], points[k], points[k + 1]
        a = ((x0 - x1) ** 2 + (y0 - y1) ** 2) ** 0.5
        b = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        r = min(radius, a / 2, b / 2)
        if r < 0.5:
            d.append(f"L{_n(x1)},{_n(y1)}")
            continue
        p = (x1 + (x0 - x1) * r / a, y1 + (y0 - y1) * r / a)
        q = (x1 + (x2 - x1) * r / b, y1 + (y2 - y1) * r / b)
        d.append(f"L{_n(p[0])},{_n(p[1])} Q{_n(x1)},{_n(y1)} {_n(q[0])},{_n(q[1])}")
    d.append(f"L{_n(points[-1][0])},{_n(points[-1][1])}")
    return " ".join(d)


def _path(path: Path) -> str:
    head = ' marker-end="url(#head)"' if path.head else ""
    marker = ' marker-end="url(#archead)"' if path.head and path.role == "arc" else head
    return f'<path class="edge {path.role}" d="{_rounded(path.points)}"{marker}/>'


def _item(item: Item, href: str | None = None) -> list[str]:
    classes = item.role + (" folded" if item.folded else "")
    attrs = f'class="{classes}" data-name="{xml(item.name, True)}" data-kind="{xml(item.kind, True)}" ' \
            f'data-shape="{xml(item.shape, True)}"'
    if item.box is not None:
        b = item.box
        attrs += f' data-box="{_n(b.width)} {_n(b.height)} {_n(b.depth)}"'
    out = [f"<g {attrs}>", f"<title>{xml(item.name)} ({xml(item.kind)}): {xml(item.shape)}</title>"]
    if item.box is not None:
        out += _box(item.box, item.fill)
    for t in item.texts:
        out.append(f'<text class="{t.role}" x="{_n(t.x)}" y="{_n(t.y)}">{xml(t.text)}</text>')
    out.append("</g>")
    if href is not None:  # the HTML report: the layer's drawing is a link to its table row
        out = [f'<a href="{xml(href, True)}">', *out, "</a>"]
    return out


def render(diagram: Diagram, links: Mapping[str, str] | None = None, prolog: bool = True) -> str:
    """`links` (layer name -> URL) wraps each layer's group in a link; `prolog=False` leaves out
    the XML declaration, for an SVG inlined in HTML."""
    w, h = diagram.width, diagram.height
    out = [
        *(['<?xml version="1.0" encoding="UTF-8"?>'] if prolog else []),
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(w)}" height="{_n(h)}" '
        f'viewBox="0 0 {_n(w)} {_n(h)}">',
        f"<style>{STYLE}</style>",
        "<defs>",
        '<marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="#555"/></marker>',
        '<marker id="archead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="#7b5ea7"/></marker>',
        "</defs>",
        f'<rect width="{_n(w)}" height="{_n(h)}" fill="#ffffff"/>',
        f'<text class="title" x="{MARGIN}" y="{_n(MARGIN + TITLE_FONT)}">{xml(diagram.title)}</text>',
        f'<text class="subtitle" x="{MARGIN}" y="{_n(MARGIN + TITLE_FONT + 16)}">'
        f"{xml(diagram.subtitle)}</text>",
        '<g class="edges">',
        *(_path(p) for p in diagram.paths),
        "</g>",
    ]
    for item in diagram.items:
        out += _item(item, links.get(item.name) if links is not None else None)
    out.append("</svg>")
    return "\n".join(out) + "\n"
