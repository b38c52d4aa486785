"""The terminal table, in the manner of Keras `model.summary()`.

`to_text` draws it without rich (render/plain_table.py) whenever rich would wrap nothing, the
common case, and asks rich (`build`) only where a column must fold or shrink: importing rich and
its layout were half of `cnncalc summarize`'s start-up (issue 15). Both draw the same `Sheet`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..escape import terminal
from ..report import Report, Row
from .fit import GAP, NUMERIC, Fitted, fit, middle
from .plain_table import Sheet, draw
from .terminal import without_trailing_spaces
from .values import COLUMNS, EXTRA_COLUMNS, extra_cells, extra_keys, input_cells, row_cells, shape, totals_lines

if TYPE_CHECKING:
    from rich.console import Console, Group


def sheet(report: Report, rows: list[Row], extra: tuple[str, ...] = (), width: int | None = None) -> tuple[Sheet, bool]:
    """What the table shows fitted to `width` columns (None: as wide as it needs), and whether a
    symbolic column must fold to fit (which only rich does)."""
    keys = extra_keys(report, extra)
    columns = [*COLUMNS, *(EXTRA_COLUMNS[k] for k in keys)]
    cells = [input_cells(report, keys)] + [[*row_cells(row, False), *extra_cells(report, row, keys)] for row in rows]
    # a symbolic table keeps its columns and folds its expressions instead (they do not compact)
    fitted = fit(columns, cells, width) if width and not report.symbols else Fitted(columns, cells)
    folding = bool(width is not None and report.symbols and fitted.width() > width)
    styles: list[str | None] = ["italic", *("dim" if row.trainable == 0 and row.params else None for row in rows)]
    tail: list[tuple[str, str | None]] = []
    if report.convention != "cnncalc":
        tail.append((f"Convention: {report.convention}", None))
    if width is not None and fitted.note(width):
        tail.append((fitted.note(width), "dim"))
    right = [col in NUMERIC or col in ("RF", "Jump") for col in fitted.columns]
    footer = [(f"{label}:", value) for label, value in totals_lines(report)]
    return Sheet(_heading(report, width), fitted.columns, right, fitted.rows, styles, footer, tail), folding


def _heading(report: Report, width: int | None) -> list[tuple[str, str | None]]:
    """`TITLE  (input 32 x 32 x 1)` on one line, or on two when it does not fit."""
    title = terminal(report.name or report.file)
    size = f"(input {shape(report.input)})"
    if width is None or len(title) + 2 + len(size) <= width:
        return [(f"{title}  {size}", "bold")]
    return [(middle(title, width), "bold"), (size, None)]


def build(report: Report, rows: list[Row], extra: tuple[str, ...] = (), width: int | None = None) -> Group:
    """The heading, the table fitted to `width` columns (None: as wide as it needs), the footer,
    as rich renderables."""
    s, folding = sheet(report, rows, extra, width)
    columns = []
    for i, col in enumerate(s.columns):
        # names, concrete shapes and numbers never wrap (a count split mid-digit reads as two
        # numbers); only a symbolic expression may fold onto several lines, when it must
        whole = not (folding and col not in ("Layer", "Type"))
        widest = max((len(r[i]) for r in s.rows), default=0)
        columns.append({"no_wrap": whole, "overflow": "fold",
                        "min_width": max(widest, len(col)) if whole else min(widest, max(len(col), 8))})
    return rich_group(s, columns)  # warnings: cli.app.print_diagnostics


def rich_group(s: Sheet, columns: list[dict]) -> Group:
    """A sheet as rich renderables: heading, the table (each column's options in `columns`), the
    footer grid, the tail; the one place a sheet meets rich's Table."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, col in enumerate(s.columns):
        table.add_column(col, justify="right" if s.right[i] else "left", **columns[i])
    for row_text, style in zip(s.rows, s.styles, strict=True):
        table.add_row(*row_text, style=style)
    footer = Table.grid(padding=(0, 2))
    footer.add_column()
    footer.add_column(justify="right")
    for label, value in s.footer:
        footer.add_row(label, value)
    heading = [Text(text, style=style or "", no_wrap=not s.heading_wraps) for text, style in s.heading]
    tail = [Text(text, style=style or "") for text, style in s.tail]
    return Group(*heading, Text(""), table, Text(""), footer, *tail)


def to_text(reports: list[tuple[Report, list[Row]]], extra: tuple[str, ...] = (), width: int | None = 80,
            color: bool = False, plain: bool = True) -> str:
    """The tables as text, each line within `width` columns (None: --wide), without trailing
    spaces; ANSI styles only when `color`. `plain=False` always draws with rich (the tests'
    reference)."""
    out = []
    for report, rows in reports:
        s, folding = sheet(report, rows, extra, width)
        text = draw(s, width or max(natural(s), 20), color) if plain and not folding else None
        out.append(text if text is not None else _rich(report, rows, extra, width, color))
    return without_trailing_spaces("\n".join(out))


def _rich(report: Report, rows: list[Row], extra: tuple[str, ...], width: int | None, color: bool) -> str:
    import io

    from rich.console import Console

    out = io.StringIO()
    group = build(report, rows, extra, width)
    console = Console(file=out, width=width or max(_natural(group), 20), force_terminal=color,
                      color_system="standard" if color else None, soft_wrap=False, markup=False, emoji=False,
                      highlight=False)
    console.print(group, crop=False)
    return out.getvalue()


def natural(s: Sheet) -> int:
    """How wide an unfitted (--wide) table's console is: its widest line, at least 60."""
    widths = s.widths()
    return max([sum(widths) + GAP * (len(widths) - 1), *(len(t) for t, _ in s.heading + s.tail), 60])


def _natural(group: Any) -> int:
    from rich.table import Table
    from rich.text import Text

    widths = [len(str(t)) for t in group.renderables if isinstance(t, Text)]
    table = next(r for r in group.renderables if isinstance(r, Table) and r.columns[0].header)
    cols = [max([len(str(c.header)), *(len(str(x)) for x in c.cells)]) for c in table.columns] if table else [0]
    return max([sum(cols) + GAP * (len(cols) - 1), *widths, 60])


def render(reports: list[tuple[Report, list[Row]]], console: Console, extra: tuple[str, ...] = ()) -> None:
    """The tables printed to a rich console, fitted to its width."""
    console.print(to_text(reports, extra, console.width), end="", markup=False, highlight=False, soft_wrap=True)
