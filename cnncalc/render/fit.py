"""Fitting a table to a terminal's width (issue 14 item 2): pure text decisions, no rich.

When the table is wider than the terminal, in this order until it fits:
1. numbers are compacted (`118,013,952` -> `118M`, three significant digits);
2. the extra columns are left out (Param bytes, Buffers, Trainable, Jump, RF), then From;
3. layer names are shortened in the middle (`bottlene…ain.conv2`), to no fewer than `KEEP_NAME`
   characters;
4. Activations, then Type, are left out (Layer, Output shape, Params and MACs always stay);
5. names are shortened further, to no fewer than `MIN_NAME` characters.
The full names and every column stay in JSON and CSV, and `--wide` shows everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DROP_ORDER = ("Param bytes", "Buffers", "Trainable", "Jump", "RF", "From", "Activations", "Type")
NUMERIC = frozenset({"Activations", "Params", "MACs", "Trainable", "Buffers", "Param bytes"})
NAMES = frozenset({"Layer", "From"})
KEEP_NAME = 20
MIN_NAME = 12
GAP = 3  # between two columns: a space of padding each side and one between


@dataclass
class Fitted:
    columns: list[str]
    rows: list[list[str]]
    dropped: list[str] = field(default_factory=list)
    compacted: bool = False
    shortened: bool = False
    wide: str = "; --wide shows everything"

    def width(self) -> int:
        return table_width(self.columns, self.rows)

    def note(self, width: int) -> str:
        """What was changed to fit, for a line under the table ('' when nothing was)."""
        parts = []
        if self.compacted:
            parts.append("numbers compacted (K, M, G: 10^3, 10^6, 10^9)")
        if self.dropped:
            parts.append(f"left out: {', '.join(self.dropped)}")
        if self.shortened:
            parts.append("long names shortened in the middle")
        return f"(to fit {width} columns: {'; '.join(parts)}{self.wide})" if parts else ""


def table_width(columns: list[str], rows: list[list[str]]) -> int:
    # column by column through zip(*rows) and map(len): fit() asks again after each step
    cells = list(zip(*rows)) if rows else [()] * len(columns)
    widths = [max(len(c), max(map(len, col), default=0)) for c, col in zip(columns, cells)]
    return sum(widths) + GAP * (len(columns) - 1)


def compact(cell: str) -> str:
    """'118,013,952' -> '118M', '1,814,073,344' -> '1.81G', '9,472' -> '9.47K'; below 10,000
    and anything not a plain count (symbolic expressions) as it is."""
    digits = cell.replace(",", "")
    if not digits.isdigit() or int(digits) < 10_000:
        return cell
    value = int(digits)
    for unit, size in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if value >= size:
            scaled = value / size
            text = f"{scaled:.3g}" if scaled < 1000 else f"{scaled:,.0f}"
            return f"{text}{unit}"
    return cell  # pragma: no cover


def middle(name: str, width: int) -> str:
    """`bottleneck14.main.conv2` in 16 columns: `bottlen…in.conv2` (the end names the layer)."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 2 + (width - 1) % 2
    head = width - 1 - tail
    return f"{name[:head]}…{name[len(name) - tail:]}"


def fit(columns: list[str], rows: list[list[str]], width: int, numeric: frozenset[str] = NUMERIC,
        drop_first: tuple[str, ...] = DROP_ORDER[:6], drop_late: tuple[str, ...] = DROP_ORDER[6:]) -> Fitted:
    """The summary table's rules by default; another table names its own number columns and
    the columns it may leave out, before and after names are first shortened."""
    out = Fitted(list(columns), [list(r) for r in rows])
    if out.width() <= width:
        return out
    at = [i for i, c in enumerate(out.columns) if c in numeric]
    out.rows = [[compact(c) if i in at else c for i, c in enumerate(r)] for r in out.rows]
    out.compacted = any(a != b for r0, r1 in zip(rows, out.rows) for a, b in zip(r0, r1))
    for name in drop_first:
        _drop(out, name, width)
    _shorten(out, width, KEEP_NAME)
    for name in drop_late:
        _drop(out, name, width)
    _shorten(out, width, MIN_NAME)
    return out


def _drop(out: Fitted, name: str, width: int) -> None:
    if out.width() > width and name in out.columns:
        i = out.columns.index(name)
        out.columns.pop(i)
        for r in out.rows:
            r.pop(i)
        out.dropped.append(name)


def _shorten(out: Fitted, width: int, least: int) -> None:
    excess = out.width() - width
    if excess <= 0:
        return
    i = out.columns.index("Layer")
    longest = max(len(r[i]) for r in out.rows)
    room = max(least, longest - excess, len("Layer"))
    if room < longest:
        for r in out.rows:
            r[i] = middle(r[i], room)
        out.shortened = True
