"""The terminal table, in the manner of Keras `model.summary()`: the only place rich is used."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..escape import terminal
from ..report import Report, Row
from .fit import GAP, NUMERIC, Fitted, fit, middle
from .terminal import without_trailing_spaces
from .values import COLUMNS, EXTRA_COLUMNS, extra_cells, extra_keys, input_cells, row_cells, shape, totals_lines


def build(report: Report, rows: list[Row], extra: tuple[str, ...] = (), width: int | None = None) -> Group:
    """The heading, the table fitted to `width` columns (None: as wide as it needs), the footer."""
    keys = extra_keys(report, extra)
    columns = [*COLUMNS, *(EXTRA_COLUMNS[k] for k in keys)]
    cells = [input_cells(report, keys)] + [[*row_cells(row, False), *extra_cells(report, row, keys)] for row in rows]
    # a symbolic table keeps its columns and folds its expressions instead (they do not compact)
    fitted = fit(columns, cells, width) if width and not report.symbols else Fitted(columns, cells)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    folding = width is not None and fitted.width() > width
    for i, col in enumerate(fitted.columns):
        right = col in NUMERIC or col in ("RF", "Jump")
        # names, concrete shapes and numbers never wrap (a count split mid-digit reads as two
        # numbers); only a symbolic expression may fold onto several lines, when it must
        whole = not (folding and report.symbols and col not in ("Layer", "Type"))
        widest = max((len(r[i]) for r in fitted.rows), default=0)
        table.add_column(col, justify="right" if right else "left", no_wrap=whole, overflow="fold",
                         min_width=max(widest, len(col)) if whole else min(widest, max(len(col), 8)))
    table.add_row(*fitted.rows[0], style="italic")
    for row, row_text in zip(rows, fitted.rows[1:], strict=True):
        table.add_row(*row_text, style="dim" if row.trainable == 0 and row.params else None)
    footer = Table.grid(padding=(0, 2))
    footer.add_column()
    footer.add_column(justify="right")
    for label, value in totals_lines(report):
        footer.add_row(f"{label}:", value)
    parts: list = [*_heading(report, width), Text(""), table, Text(""), footer]
    if report.convention != "cnncalc":
        parts.append(Text(f"Convention: {report.convention}"))
    if width is not None and fitted.note(width):
        parts.append(Text(fitted.note(width), style="dim"))
    return Group(*parts)  # warnings and failed expectations go to stderr (cli.app.print_diagnostics)


def _heading(report: Report, width: int | None) -> list[Text]:
    """`TITLE  (input 32 x 32 x 1)` on one line, or on two when it does not fit."""
    title = terminal(report.name or report.file)
    size = f"(input {shape(report.input)})"
    if width is None or len(title) + 2 + len(size) <= width:
        return [Text(f"{title}  {size}", style="bold", no_wrap=True)]
    return [Text(middle(title, width), style="bold", no_wrap=True), Text(size, no_wrap=True)]


def to_text(reports: list[tuple[Report, list[Row]]], extra: tuple[str, ...] = (), width: int | None = 80,
            color: bool = False) -> str:
    """The tables as text, each line within `width` columns (None: --wide), without trailing
    spaces; ANSI styles only when `color`."""
    out = io.StringIO()
    console = Console(file=out, width=width or 10_000, force_terminal=color, color_system="standard" if color else None,
                      soft_wrap=False, markup=False, emoji=False, highlight=False)
    for i, (report, rows) in enumerate(reports):
        if i:
            console.print()
        group = build(report, rows, extra, width)
        if width is None:  # as wide as the widest line needs
            console.width = max(_natural(group), 20)
        console.print(group, crop=False)
        console.width = width or 10_000
    return without_trailing_spaces(out.getvalue())


def _natural(group: Group) -> int:
    widths = [len(str(t)) for t in group.renderables if isinstance(t, Text)]
    table = next(r for r in group.renderables if isinstance(r, Table) and r.columns[0].header)
    cols = [max([len(str(c.header)), *(len(str(x)) for x in c.cells)]) for c in table.columns] if table else [0]
    return max([sum(cols) + GAP * (len(cols) - 1), *widths, 60])


def render(reports: list[tuple[Report, list[Row]]], console: Console, extra: tuple[str, ...] = ()) -> None:
    """The tables printed to a rich console, fitted to its width."""
    console.print(to_text(reports, extra, console.width), end="", markup=False, highlight=False, soft_wrap=True)
