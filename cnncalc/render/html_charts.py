"""Inline SVG charts for the HTML report: bars of a number per row, and the live-memory curve.

Plain SVG with a `<title>` per bar (the browser's tooltip); no script. A long network's bars
are merged into at most MAX_BARS bars (each the sum of consecutive rows) and its curve into at
most MAX_POINTS points (each the largest value it stands for, so the peak stays visible).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..escape import visible
from .values import count, human_bytes

MAX_BARS = 400
MAX_POINTS = 1200
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM = 800.0, 180.0, 8.0, 4.0


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # the row's name
    value: int
    href: str  # the row's anchor


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _svg(body: list[str], label: str, height: float = HEIGHT) -> str:
    return (f'<svg class="chart" viewBox="0 0 {_n(WIDTH)} {_n(height)}" '
            f'role="img" aria-label="{escape(label, quote=True)}">' + "".join(body) + "</svg>")


def _merged(bars: list[Bar]) -> list[tuple[str, int, str]]:
    """(tooltip, value, href) per drawn bar; consecutive rows summed when there are too many."""
    if len(bars) <= MAX_BARS:
        return [(visible(b.label), b.value, b.href) for b in bars]
    size = -(-len(bars) // MAX_BARS)
    out = []
    for k in range(0, len(bars), size):
        chunk = bars[k:k + size]
        first, last = visible(chunk[0].label), visible(chunk[-1].label)
        label = first if len(chunk) == 1 else f"{first} … {last} ({len(chunk)} rows)"
        out.append((label,
                    sum(b.value for b in chunk), chunk[0].href))
    return out


def bars(items: list[Bar], what: str) -> str:
    """One bar per row, heights in proportion to the value; each bar links to its row."""
    drawn = _merged(items)
    top = max((v for _, v, _ in drawn), default=0)
    if not drawn or top <= 0:
        return f'<p class="note">every row has 0 {escape(what)}</p>'
    step = (WIDTH - PAD_LEFT) / len(drawn)
    gap = step * 0.15 if step > 3 else 0.0
    body = [f'<line class="axis" x1="0" y1="{_n(HEIGHT - PAD_BOTTOM)}" x2="{_n(WIDTH)}" '
            f'y2="{_n(HEIGHT - PAD_BOTTOM)}"/>']
    usable = HEIGHT - PAD_BOTTOM - 6
    for k, (label, value, href) in enumerate(drawn):
        if value <= 0:
            continue
        h = max(usable * value / top, 0.8)
        x = PAD_LEFT + k * step
        tip = escape(f"{label}: {count(value)} {what}", quote=False)
        body.append(f'<a href="{escape(href, quote=True)}"><rect class="bar" x="{_n(x)}" '
                    f'y="{_n(HEIGHT - PAD_BOTTOM - h)}" width="{_n(max(step - gap, 0.6))}" height="{_n(h)}">'
                    f"<title>{tip}</title></rect></a>")
    biggest = max(drawn, key=lambda d: d[1])
    top_line = f'<p class="chart-top">largest: {escape(biggest[0])}, {count(biggest[1])} {escape(what)}</p>'
    return top_line + _svg(body, f"{what} per row")


def curve(points: list[tuple[str, int]], peak_name: str, peak: int) -> str:
    """Live activation bytes while each layer runs, along the network; the peak marked."""
    if not points:
        return ""
    shown = points
    if len(points) > MAX_POINTS:
        size = -(-len(points) // MAX_POINTS)
        shown = [max(points[k:k + size], key=lambda p: p[1]) for k in range(0, len(points), size)]
    top = max(max(v for _, v in shown), peak, 1)
    usable = HEIGHT - PAD_BOTTOM - 18
    step = (WIDTH - PAD_LEFT * 2) / max(len(shown) - 1, 1)

    def at(k: int, v: int) -> tuple[float, float]:
        return PAD_LEFT + k * step, HEIGHT - PAD_BOTTOM - usable * v / top

    xy = [at(k, v) for k, (_, v) in enumerate(shown)]
    line = " ".join(f"{_n(x)},{_n(y)}" for x, y in xy)
    area = f"{_n(xy[0][0])},{_n(HEIGHT - PAD_BOTTOM)} {line} {_n(xy[-1][0])},{_n(HEIGHT - PAD_BOTTOM)}"
    k_peak = next((k for k, (name, v) in enumerate(shown) if v == peak), 0)
    px, py = xy[k_peak]
    label = escape(f"peak {human_bytes(peak)} at {visible(peak_name)}", quote=False)
    body = [
        f'<polygon class="area" points="{area}"/>',
        f'<polyline class="curve" points="{line}"/>',
        f'<circle class="peak" cx="{_n(px)}" cy="{_n(py)}" r="4"><title>{label}</title></circle>',
    ]
    return f'<p class="chart-top">{label}</p>' + _svg(body, "live activation memory along the network")
