"""A table drawn as rich draws it, without importing rich, whenever rich would wrap nothing.

Start-up (issue 15): importing rich and letting it lay out a 167-row table was half of
`cnncalc summarize resnet50`. Where every column is at its natural width, the layout is fixed
text, and this module writes the very bytes rich writes for a `Table(box=SIMPLE_HEAD,
show_edge=False, pad_edge=False)` between a heading and a `Table.grid(padding=(0, 2))` footer,
on a console with `color_system="standard"` (or none), markup, emoji and highlighting off:

- a cell is its text justified to the column's width, with one space of padding on each side
  except at the table's two edges; the box's column divider is one more space. With colour, the
  padding and the text are each one styled span (`ESC[3m ESC[0m`), the divider is not styled;
- the header row is bold (rich's `table.header`), the rule under it is `─` over the table's width;
- the footer is the labels left-justified, two spaces, the values right-justified;
- a text line under the table (convention, fit note) wraps at spaces as rich's `divide_line` does.

`draw` lays out summarize's and memory's `Sheet`; `table_lines` and `wrapped`, its parts, serve a
table of another shape (the sweep's: a title, two tables, a note). Each returns None whenever
rich would do something else (a line wider than the console, which rich would shrink, fold or
crop; a character whose terminal width is not one column; a word too long for a line), and the
caller asks rich. tests/test_plain_table.py holds the two drawers
equal, byte for byte, over every bundled network and the CLI's option sets.
"""

from __future__ import annotations

import re

# One column wide in every terminal, and nothing rich would strip or expand (tabs, control
# characters): printable ASCII and the ellipsis of a shortened name.
_NARROW = re.compile(r"[ -~…]*")
_WORD = re.compile(r"\s*\S+\s*")  # rich's `re_word`: a word with the spaces around it
_CODES = {"bold": "1", "dim": "2", "italic": "3"}
RULE = "─"


class Sheet:
    """What a table shows, before either drawer: lines above, columns, rows and their styles
    (None, or one of bold, dim, italic), the footer's (label, value) pairs, lines below."""

    __slots__ = ("heading", "columns", "right", "rows", "styles", "footer", "tail", "heading_wraps")

    def __init__(self, heading: list[tuple[str, str | None]], columns: list[str], right: list[bool],
                 rows: list[list[str]], styles: list[str | None], footer: list[tuple[str, str]],
                 tail: list[tuple[str, str | None]], heading_wraps: bool = False) -> None:
        self.heading = heading  # wrapped as the tail when heading_wraps, else never (rich: no_wrap)
        self.heading_wraps = heading_wraps
        self.columns = columns
        self.right = right  # right-justified columns
        self.rows = rows
        self.styles = styles
        self.footer = footer
        self.tail = tail  # wrapped at spaces

    def widths(self) -> list[int]:
        return [max([len(c), *(len(r[i]) for r in self.rows)]) for i, c in enumerate(self.columns)]


def _span(text: str, style: str | None, color: bool) -> str:
    return f"\x1b[{_CODES[style]}m{text}\x1b[0m" if color and style else text


def _row(cells: list[str], widths: list[int], right: list[bool], style: str | None, color: bool) -> str:
    pad = _span(" ", style, color)
    last = len(cells) - 1
    out = []
    for i, (cell, width) in enumerate(zip(cells, widths)):
        text = _span(cell.rjust(width) if right[i] else cell.ljust(width), style, color)
        out.append((pad if i else "") + text + (pad if i < last else ""))
    return " ".join(out)


def wrap(text: str, width: int) -> list[str] | None:
    """rich's word wrap (`_wrap.divide_line`, then `rstrip_end`) of one line of narrow text; None
    when a word is longer than the line (rich folds it)."""
    lines, start, offset = [], 0, 0
    for match in _WORD.finditer(text):
        word = match.group(0)
        length = len(word.rstrip())
        if length > width:
            return None
        if width - offset >= length:
            offset += len(word)
        elif offset and match.start():
            lines.append(text[start:match.start()])
            start, offset = match.start(), len(word)
    lines.append(text[start:])
    return [line[:max(width, len(line.rstrip()))] for line in lines]


def draw(sheet: Sheet, width: int, color: bool) -> str | None:
    """The sheet as rich prints it on a console `width` columns wide, trailing spaces and all
    (the caller strips them as it strips rich's); None where rich would lay it out otherwise."""
    labels = max((len(label) for label, _ in sheet.footer), default=0)
    values = max((len(value) for _, value in sheet.footer), default=0)
    texts = [t for t, _ in sheet.heading] + [t for t, _ in sheet.tail] + [t for pair in sheet.footer for t in pair]
    if (labels + 2 + values > width or not narrow(texts)
            or not sheet.heading_wraps and any(len(t) > width for t, _ in sheet.heading)):
        return None
    heading = wrapped(sheet.heading, width, color) if sheet.heading_wraps else [
        _span(text, style, color) for text, style in sheet.heading]
    table = table_lines(sheet.columns, sheet.right, sheet.rows, sheet.styles, width, color)
    tail = wrapped(sheet.tail, width, color)
    if heading is None or table is None or tail is None:
        return None
    out = heading + [""] + table + [""]
    out += [f"{label.ljust(labels)}  {value.rjust(values)}" for label, value in sheet.footer]
    return "\n".join(out + tail) + "\n"


def narrow(texts: list[str]) -> bool:
    """Every character one column wide, as `len` counts it (and as rich draws it)."""
    return bool(_NARROW.fullmatch("".join(texts)))


def table_lines(columns: list[str], right: list[bool], rows: list[list[str]], styles: list[str | None],
                width: int, color: bool) -> list[str] | None:
    """A `Table(box=SIMPLE_HEAD, show_edge=False, pad_edge=False)` of these cells, every column
    at its natural width: the header, the rule, the rows; None when it is wider than `width`
    or a cell's characters are not one column each (rich would shrink or measure otherwise)."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    table_width = sum(widths) + 3 * (len(widths) - 1)
    if table_width > width or not narrow(columns) or not narrow([c for r in rows for c in r]):
        return None
    out = [_row(columns, widths, right, "bold", color), RULE * table_width]
    return out + [_row(r, widths, right, s, color) for r, s in zip(rows, styles)]


def wrapped(texts: list[tuple[str, str | None]], width: int, color: bool) -> list[str] | None:
    """Lines of text as rich's `Text(text, style=style)` prints them, wrapped at `width`."""
    out = []
    for text, style in texts:
        lines = wrap(text, width)
        if lines is None:
            return None
        out += [_span(line, style, color) for line in lines]
    return out
