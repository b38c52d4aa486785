"""The terminal table, in the manner of Keras `model.summary()`: the only place rich is used."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..escape import terminal
from ..report import Report, Row
from .values import COLUMNS, EXTRA_COLUMNS, extra_cells, extra_keys, input_cells, row_cells, shape, totals_lines


def build(report: Report, rows: list[Row], extra: tuple[str, ...] = ()) -> Group:
    keys = extra_keys(report, extra)
    title = terminal(report.name or report.file)
    # the title is a line of its own: as the table's title it would wrap to the table's width
    heading = Text(f"{title}  (input {shape(report.input)})", style="bold", no_wrap=True)
    table = Table(box=box.SIMPLE_HEAD)
    cells = [input_cells(report, keys)] + [[*row_cells(row, False), *extra_cells(report, row, keys)] for row in rows]
    for i, col in enumerate((*COLUMNS, *(EXTRA_COLUMNS[k] for k in keys))):
        # names, concrete shapes and numbers never wrap (a count split mid-digit reads as two
        # numbers); symbolic expressions and the 'from' list may fold onto several lines
        right = 3 <= i <= 5 or (i > 5 and keys[i - 6] != "from")
        whole = i < 2 or ((i == 2 or right) and not report.symbols)
        widest = max((len(c[i]) for c in cells), default=len(col)) if whole else None
        table.add_column(col, justify="right" if right else "left", no_wrap=whole, overflow="fold",
                         min_width=widest)
    table.add_row(*cells[0], style="italic")
    for row, row_text in zip(rows, cells[1:], strict=True):
        table.add_row(*row_text, style="dim" if row.trainable == 0 and row.params else None)
    footer = Table.grid(padding=(0, 2))
    footer.add_column()
    footer.add_column(justify="right")
    for label, value in totals_lines(report):
        footer.add_row(f"{label}:", value)
    parts: list = [heading, table, footer]
    if report.convention != "cnncalc":
        parts.append(Text(f"Convention: {report.convention}"))
    return Group(*parts)  # warnings and failed expectations go to stderr (cli.app.print_diagnostics)


def render(reports: list[tuple[Report, list[Row]]], console: Console, extra: tuple[str, ...] = ()) -> None:
    for i, (report, rows) in enumerate(reports):
        if i:
            console.print()
        group = build(report, rows, extra)
        # a terminal narrower than the table gets wrapped lines rather than numbers cut short
        needed = _least_width(group.renderables[1])
        width = console.width
        console.width = max(width, needed)  # rich caps print(width=...) at the console's width
        try:
            console.print(group, crop=False)
        finally:
            console.width = width


def _least_width(table: Table) -> int:
    """The narrowest the table may be drawn: every unbreakable column at its widest cell, the
    others at a word, plus cell padding. Worked out from the columns rather than measured, since
    rich's measuring pass costs as much as drawing the table (0.1 s for ResNet-50)."""
    def least(column: Any) -> int:
        if column.min_width:
            return max(column.min_width, len(str(column.header)))
        words = [len(w) for cell in column.cells for w in str(cell).split()]
        return max([len(str(column.header)), *words])

    return sum(least(c) + 2 for c in table.columns) + 3
