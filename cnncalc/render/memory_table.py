"""`cnncalc memory` as a rich table: per layer bytes, the live total, and the estimates under it."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table

from ..escape import terminal
from ..memory import Memory
from .values import count, human_bytes


def _b(n: int) -> str:
    return f"{count(n)} ({human_bytes(n)})"


def build(m: Memory) -> Group:
    table = Table(
        title=f"{terminal(m.name or m.file)}  ({m.dtype}, {m.bytes_per_value} B per value, batch {m.batch})",
        box=box.SIMPLE_HEAD, title_justify="left", title_style="bold",
    )
    for i, col in enumerate(("Layer", "Type", "Activation bytes", "Param bytes", "Live while running")):
        table.add_column(col, justify="right" if i >= 2 else "left", no_wrap=i < 2)
    table.add_row("input", "", count(m.input_bytes), "0", count(m.input_bytes))
    for r in m.layers:
        style = "bold" if r.name == m.peak_layer else None
        table.add_row(terminal(r.name), terminal(r.kind), count(r.activation_bytes), count(r.param_bytes),
                      count(r.live_bytes), style=style)
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
    return Group(table, footer)


def render(m: Memory, console: Console) -> None:
    console.print(build(m))
