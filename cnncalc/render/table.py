"""The terminal table, in the manner of Keras `model.summary()`: the only place rich is used."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..report import Report, Row
from .values import COLUMNS, EXTRA_COLUMNS, extra_cells, extra_keys, row_cells, shape, totals_lines


def build(report: Report, rows: list[Row], extra: tuple[str, ...] = ()) -> Group:
    keys = extra_keys(report, extra)
    title = report.name or report.file
    table = Table(
        title=f"{title}  (input {shape(report.input)})",
        box=box.SIMPLE_HEAD,
        title_justify="left",
        title_style="bold",
    )
    for i, col in enumerate((*COLUMNS, *(EXTRA_COLUMNS[k] for k in keys))):
        # names never wrap; symbolic expressions may fold onto several lines
        right = 3 <= i <= 5 or (i > 5 and keys[i - 6] != "from")
        table.add_column(col, justify="right" if right else "left", no_wrap=i < 2, overflow="fold")
    for row in rows:
        table.add_row(*row_cells(row, False), *extra_cells(report, row, keys),
                      style="dim" if row.trainable == 0 and row.params else None)
    footer = Table.grid(padding=(0, 2))
    footer.add_column()
    footer.add_column(justify="right")
    for label, value in totals_lines(report):
        footer.add_row(f"{label}:", value)
    parts: list = [table, footer]
    if report.convention != "cnncalc":
        parts.append(Text(f"Convention: {report.convention}"))
    for w in report.warnings:
        parts.append(Text(str(w), style="yellow"))
    for f in report.failures:
        parts.append(Text(str(f), style="red"))
    return Group(*parts)


def render(reports: list[tuple[Report, list[Row]]], console: Console, extra: tuple[str, ...] = ()) -> None:
    for i, (report, rows) in enumerate(reports):
        if i:
            console.print()
        console.print(build(report, rows, extra))
