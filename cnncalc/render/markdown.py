"""A GitHub-flavoured Markdown table with the totals under it."""

from __future__ import annotations

from ..escape import markdown_code, markdown_text
from ..report import Report, Row
from .values import COLUMNS, EXTRA_COLUMNS, extra_cells, extra_keys, input_cells, row_cells, shape, totals_lines


def render_one(report: Report, rows: list[Row], extra: tuple[str, ...] = ()) -> str:
    keys = extra_keys(report, extra)
    cols = [*COLUMNS, *(EXTRA_COLUMNS[k] for k in keys)]
    align = ["---", "---", "---", "---:", "---:", "---:"] + ["---" if k == "from" else "---:" for k in keys]
    lines = [f"### {markdown_text(report.name or report.file)} (input {shape(report.input)})", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join(align) + "|")
    raw = input_cells(report, keys)
    lines.append("| " + " | ".join([markdown_code(raw[0]), *(escape(c) for c in raw[1:])]) + " |")
    for row in rows:
        raw = [*row_cells(row, False), *extra_cells(report, row, keys)]
        cells = [markdown_code(raw[0]), *(escape(c) for c in raw[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.extend(f"- {label}: **{escape(value)}**" for label, value in totals_lines(report))
    if report.convention != "cnncalc":
        lines.append(f"- Convention: {report.convention}")
    return "\n".join(lines) + "\n"


def escape(cell: str) -> str:
    """A cell as literal text (see `cnncalc.escape.markdown_text`): `|` would end it, and the
    `*` of a symbolic product (6*(H - 4)*(W - 4)) would start emphasis."""
    return markdown_text(cell)


def render(reports: list[tuple[Report, list[Row]]], extra: tuple[str, ...] = ()) -> str:
    return "\n".join(render_one(r, rows, extra) for r, rows in reports)
