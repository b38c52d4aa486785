"""`cnncalc memory` as a rich table: per layer bytes, the live total, and the estimates under it."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..escape import terminal
from ..memory import Memory
from .fit import Fitted, fit
from .values import count, human_bytes


def _b(n: int) -> str:
    return f"{count(n)} ({human_bytes(n)})"


_COLUMNS = ["Layer", "Type", "Activation bytes", "Param bytes", "Live while running"]


def build(m: Memory, width: int | None = None) -> Group:
    """The table fitted to `width` columns as summarize's is (None: as wide as it needs)."""
    cells = [["input", "", count(m.input_bytes), "0", count(m.input_bytes)]]
    cells += [[terminal(r.name), terminal(r.kind), count(r.activation_bytes), count(r.param_bytes),
               count(r.live_bytes)] for r in m.layers]
    fitted = (fit(_COLUMNS, cells, width, frozenset(_COLUMNS[2:]), (), ("Type",)) if width
              else Fitted(_COLUMNS, cells))
    fitted.wide = "; --format json has every byte"
    title = f"{terminal(m.name or m.file)}  ({m.dtype}, {m.bytes_per_value} B per value, batch {m.batch})"
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for col in fitted.columns:
        table.add_column(col, justify="left" if col in ("Layer", "Type") else "right", no_wrap=True,
                         min_width=max(len(col), *(len(r[fitted.columns.index(col)]) for r in fitted.rows)))
    for r, row in zip([None, *m.layers], fitted.rows):
        table.add_row(*row, style="bold" if r is not None and r.name == m.peak_layer else None)
    t = m.training
    footer = Table.grid(padding=(0, 2))
    footer.add_column()
    footer.add_column(justify="right")
    for label, value in (
        ("Parameter bytes (with buffers)", m.param_bytes),
        ("Activation bytes (all layers)", m.activation_bytes),
        (f"Inference peak (at {terminal(m.peak_layer)})", m.peak_bytes),
        ("Training: weights", t.weights),
        ("Training: gradients", t.gradients),
        (f"Training: {m.optimizer} state", t.optimizer_state),
        ("Training: stored activations", t.activations),
        ("Training: total", t.total),
    ):
        footer.add_row(f"{label}:", _b(value))
    note = [Text(fitted.note(width), style="dim")] if width and fitted.note(width) else []
    return Group(Text(title, style="bold"), Text(""), table, Text(""), footer, *note)


def render(m: Memory, console: Console, width: int | None = None) -> None:
    console.print(build(m, width), crop=False)
