"""`summarize FILE --input A --input B ...`: one network at several input sizes, side by side.

Per layer (matched by name, in the first size's order): the output shape, MACs and activations
at each size; then the totals per size. JSON is one object:

    {"sweep": {"name": ..., "file": ..., "inputs": [[224, 224, 3], [320, 320, 3]],
               "layers": [{"name", "type", "output": [[...], [...]], "activations": [a, b],
                           "macs": [a, b], "params": [a, b]}, ...],
               "totals": [{"input", "params", "macs", "flops", "activations"}, ...]}}

A layer missing at some size has null there. The table is drawn as summarize's: without rich
(render/plain_table.py) unless something must wrap, by rich then.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from ..escape import csv_cell, markdown_code, markdown_text, terminal
from ..report import Report, Row
from .values import count, envelope, json_number, json_value, shape


@dataclass(frozen=True, slots=True)
class SweepLine:
    name: str
    kind: str
    rows: tuple[Row | None, ...]  # one per input size


def lines(results: list[tuple[Report, list[Row]]]) -> list[SweepLine]:
    by_name = [{r.name: r for r in rows} for _, rows in results]
    names: dict[str, str] = {}
    for _, rows in results:
        for r in rows:
            names.setdefault(r.name, r.kind)
    return [SweepLine(n, k, tuple(m.get(n) for m in by_name)) for n, k in names.items()]


def _size(report: Report) -> str:
    return "x".join(str(json_number(d)) for d in report.input)  # text, for the table's headings


def _short(results: list[tuple[Report, list[Row]]], report: Report) -> str:
    """A size as a column heading: `224` when every size is square with the same channels (the
    title says them in full), else `224x224x3`."""
    inputs = [r.input for r, _ in results]
    square = all(len(i) == 3 and i[0] == i[1] and i[2] == inputs[0][2] for i in inputs)
    return str(json_number(report.input[0])) if square else _size(report)


def _cell(row: Row | None, what: str) -> str:
    if row is None:
        return "-"
    return shape(row.output) if what == "output" else count(getattr(row, what))


_SHOWN = ("output", "macs", "activations")
_TOTALS = (("Total params", "params"), ("MACs", "macs"), ("FLOPs", "flops"), ("Activations", "activations"))


def _layout(results: list[tuple[Report, list[Row]]], width: int | None) -> dict[str, Any]:
    """What the table shows, fitted to `width` as summarize's is: numbers compacted, the
    Activations columns and then Type left out, names shortened in the middle."""
    from .fit import Fitted, fit

    first = results[0][0]
    columns = ["Layer", "Type"] + [f"{what} @{_short(results, report)}" for what in ("Output", "MACs", "Activations")
                                   for report, _ in results]
    cells = [[terminal(line.name), terminal(line.kind), *(_cell(r, w) for w in _SHOWN for r in line.rows)]
             for line in lines(results)]
    numbers = frozenset(c for c in columns if c.startswith(("MACs", "Activations")))
    fitted = (fit(columns, cells, width, numbers, tuple(c for c in columns if c.startswith("Activations")),
                  ("Type",)) if width and not first.symbols else Fitted(columns, cells))
    return {
        "title": f"{terminal(first.name or first.file)}  (inputs {', '.join(_size(r) for r, _ in results)})",
        "columns": fitted.columns, "right": [c in numbers for c in fitted.columns], "rows": fitted.rows,
        "totals": ["Totals", *(f"@{_size(report)}" for report, _ in results)],
        "total_rows": [[label, *(count(r.totals.get(key)) for r, _ in results)] for label, key in _TOTALS],
        "note": fitted.note(width) if width else "",
    }


def table(results: list[tuple[Report, list[Row]]], console: Any, width: int | None = None) -> None:
    """The side-by-side table printed on a rich console."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    lay = _layout(results, width)
    console.print(Text(lay["title"], style="bold"))
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, col in enumerate(lay["columns"]):
        t.add_column(col, justify="right" if lay["right"][i] else "left", no_wrap=True,
                     min_width=max([len(col), *(len(r[i]) for r in lay["rows"])]))
    for row in lay["rows"]:
        t.add_row(*row)
    totals = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    totals.add_column(lay["totals"][0])
    for col in lay["totals"][1:]:
        totals.add_column(col, justify="right")
    for row in lay["total_rows"]:
        totals.add_row(*row)
    console.print(t, crop=False)
    console.print(totals, crop=False)
    if lay["note"]:
        console.print(Text(lay["note"], style="dim"))


def plain(results: list[tuple[Report, list[Row]]], width: int | None, color: bool) -> str | None:
    """What `table` prints on a console `width` columns wide (None: 10,000), drawn without rich
    (render/plain_table.py); None where rich would wrap or shrink something."""
    from .plain_table import table_lines, wrapped

    lay = _layout(results, width)
    console = width or 10_000
    title = wrapped([(lay["title"], "bold")], console, color)
    rows = table_lines(lay["columns"], lay["right"], lay["rows"], [None] * len(lay["rows"]), console, color)
    totals = table_lines(lay["totals"], [False] + [True] * (len(lay["totals"]) - 1), lay["total_rows"],
                         [None] * len(lay["total_rows"]), console, color)
    note = wrapped([(lay["note"], "dim")] if lay["note"] else [], console, color)
    if title is None or rows is None or totals is None or note is None:
        return None
    return "\n".join(title + rows + totals + note) + "\n"


def to_text(groups: list[list[tuple[Report, list[Row]]]], width: int | None, color: bool,
            use_plain: bool = True) -> str:
    """One table per file, one after another, without trailing spaces; rich draws only those
    the plain drawer cannot (`use_plain=False`: all of them, the tests' reference)."""
    from .terminal import capture, without_trailing_spaces

    out = []
    for group in groups:
        text = plain(group, width, color) if use_plain else None
        if text is None:
            text = capture(lambda console, g=group: table(g, console, width), width or 10_000, color)
        out.append(text)
    return without_trailing_spaces("\n".join(out))


def sweep_dict(results: list[tuple[Report, list[Row]]]) -> dict[str, Any]:
    first = results[0][0]

    def each(line: SweepLine, fn: Any) -> list[Any]:
        return [None if r is None else fn(r) for r in line.rows]

    def fields(r: Row) -> dict[str, Any]:  # summarize's layer fields, at one size
        return {
            "from": list(r.inputs), "output": [json_value(d) for d in r.output],
            **{k: json_value(getattr(r, k)) for k in _LAYER_COUNTS},
            "rf": None if r.rf is None else [json_value(v) for v in r.rf],
            "jump": None if r.jump is None else [json_value(v) for v in r.jump],
        }

    layers = []
    for line in lines(results):
        per_size = [None if r is None else fields(r) for r in line.rows]
        keys = next(p for p in per_size if p is not None).keys()
        layers.append({"name": line.name, "type": line.kind,
                       **{k: [None if p is None else p[k] for p in per_size] for k in keys}})
    return {**envelope("sweep", first.dtype, first.convention), "sweep": {
        "name": first.name,
        "file": first.file,
        "inputs": [[json_value(d) for d in r.input] for r, _ in results],
        "layers": layers,
        "totals": [
            {"input": [json_value(d) for d in r.input],
             **{key: json_value(r.totals.get(key)) for key in _TOTAL_KEYS}}
            for r, _ in results
        ],
    }}


# the same names as summarize's JSON, each a list over the sizes
_LAYER_COUNTS = ("activations", "params", "weights", "biases", "trainable", "buffers", "macs")
_TOTAL_KEYS = ("params", "trainable", "buffers", "macs", "flops", "activations", "param_bytes")


def to_json(results: list[tuple[Report, list[Row]]]) -> str:
    import json

    return json.dumps(sweep_dict(results), indent=1)


def to_markdown(results: list[tuple[Report, list[Row]]]) -> str:
    from .markdown import escape

    first = results[0][0]
    sizes = [_size(r) for r, _ in results]
    head = ["Layer", "Type"] + [f"{w} @{s}" for w in ("Output", "MACs", "Activations") for s in sizes]
    out = [f"### {markdown_text(first.name or first.file)} (inputs {', '.join(sizes)})", "",
           "| " + " | ".join(head) + " |",
           "|---|---|" + "---|" * len(sizes) + "---:|" * (2 * len(sizes))]
    for line in lines(results):
        cells = [markdown_code(line.name), markdown_text(line.kind)]
        cells += [escape(_cell(r, w)) for w in _SHOWN for r in line.rows]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "| Totals | " + " | ".join(f"@{s}" for s in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for label, key in _TOTALS:
        out.append(f"| {label} | " + " | ".join(escape(count(r.totals.get(key))) for r, _ in results) + " |")
    return "\n".join(out) + "\n"


def to_csv(results: list[tuple[Report, list[Row]]]) -> str:
    """Long form: one row per (input, layer), so each size is a plain filter away."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["input", "name", "type", "output", "activations", "params", "macs"])
    for report, rows in results:
        for r in rows:
            output = "x".join(str(json_number(d)) for d in r.output)
            writer.writerow([_size(report), csv_cell(r.name), csv_cell(r.kind), output,
                             json_number(r.activations), json_number(r.params), json_number(r.macs)])
    return buf.getvalue()
