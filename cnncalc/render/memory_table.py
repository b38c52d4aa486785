"""`cnncalc memory` as a table: per layer bytes, the live total, and the estimates under it.

Drawn as summarize's is: without rich (render/plain_table.py) unless rich must wrap or shrink
something, with rich (`build`) then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..escape import terminal
from ..memory import Memory
from .fit import Fitted, fit
from .plain_table import Sheet, draw
from .table import rich_group
from .terminal import without_trailing_spaces
from .values import count, human_bytes

if TYPE_CHECKING:
    from rich.console import Console, Group


def _b(n: int) -> str:
    return f"{count(n)} ({human_bytes(n)})"


_COLUMNS = ["Layer", "Type", "Activation bytes", "Param bytes", "Live while running"]


def sheet(m: Memory, width: int | None = None) -> Sheet:
    """The table fitted to `width` columns as summarize's is (None: as wide as it needs)."""
    cells = [["input", "", count(m.input_bytes), "0", count(m.input_bytes)]]
    cells += [[terminal(r.name), terminal(r.kind), count(r.activation_bytes), count(r.param_bytes),
               count(r.live_bytes)] for r in m.layers]
    fitted = (fit(_COLUMNS, cells, width, frozenset(_COLUMNS[2:]), (), ("Type",)) if width
              else Fitted(_COLUMNS, cells))
    fitted.wide = "; --format json has every byte"
    title = f"{terminal(m.name or m.file)}  ({m.dtype}, {m.bytes_per_value} B per value, batch {m.batch})"
    styles = [None, *("bold" if r.name == m.peak_layer else None for r in m.layers)]
    t = m.training
    footer = [(f"{label}:", _b(value)) for label, value in (
        ("Parameter bytes (with buffers)", m.param_bytes),
        ("Activation bytes (all layers)", m.activation_bytes),
        (f"Inference peak (at {terminal(m.peak_layer)})", m.peak_bytes),
        ("Training: weights", t.weights),
        ("Training: gradients", t.gradients),
        (f"Training: {m.optimizer} state", t.optimizer_state),
        ("Training: stored activations", t.activations),
        ("Training: total", t.total),
    )]
    note: list[tuple[str, str | None]] = [(fitted.note(width), "dim")] if width and fitted.note(width) else []
    right = [col not in ("Layer", "Type") for col in fitted.columns]
    return Sheet([(title, "bold")], fitted.columns, right, fitted.rows, styles, footer, note, heading_wraps=True)


def build(m: Memory, width: int | None = None) -> Group:
    """The same table as rich renderables."""
    s = sheet(m, width)
    columns = [{"no_wrap": True, "min_width": max(len(col), *(len(r[i]) for r in s.rows))}
               for i, col in enumerate(s.columns)]
    return rich_group(s, columns)


def render(m: Memory, console: Console, width: int | None = None) -> None:
    console.print(build(m, width), crop=False)


def to_text(m: Memory, width: int, color: bool = False, plain: bool = True) -> str:
    """The table on a console `width` columns wide, without trailing spaces; ANSI styles only when
    `color`. `plain=False` always draws with rich (the tests' reference)."""
    text = draw(sheet(m, width), width, color) if plain else None
    if text is not None:
        return without_trailing_spaces(text)
    from .terminal import capture

    return capture(lambda console: render(m, console, width), width, color)
