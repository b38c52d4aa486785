"""`cnncalc compare` as aligned text, Markdown or JSON."""

from __future__ import annotations

import json
from typing import Any

from ..compare import Comparison, LayerLine
from ..escape import markdown_text, terminal_text, visible
from .values import count, envelope, json_value, shape

_LABELS = {
    "params": "params", "trainable": "trainable", "buffers": "buffers", "macs": "MACs",
    "flops": "FLOPs", "activations": "activations", "param_bytes": "param bytes",
}  # fmt: skip


def _signed(v: Any) -> str:
    if isinstance(v, int):
        return f"{v:+,}" if v else "0"
    return str(v)


def _ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.3f}x"


def total_table(c: Comparison, short: bool = False) -> list[list[str]]:
    """`short`: two files, headed 'difference' and 'ratio' (a line above says which way)."""
    files = [visible(f) for f in c.files]
    head = ["", *files]
    for f in files[1:]:
        head += ["difference", "ratio"] if short else [f"{f} - {files[0]}", f"{f} / {files[0]}"]
    rows = [head]
    for t in c.totals:
        cells = [_LABELS[t.key], *(count(v) for v in t.values)]
        for d, r in zip(t.differences, t.ratios, strict=True):
            cells += [_signed(d), _ratio(r)]
        rows.append(cells)
    return rows


def _cell(row: Any) -> str:
    if row is None:
        return "(absent)"
    return f"{shape(row.output)}, {count(row.params)} params, {count(row.macs)} MACs"


def layer_table(c: Comparison) -> list[list[str]]:
    rows = [["layer", *c.files, "differs in"]]
    for line in c.layers:
        rows.append([visible(line.name), *(_cell(r) for r in line.rows), ", ".join(line.changed)])
    return rows


def _aligned(rows: list[list[str]], right_from: int = 1) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            c.ljust(w) if i < right_from else c.rjust(w)  # headers over numbers align right too
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


def text(c: Comparison) -> str:
    # one file a line: titles side by side ran past 80 columns
    files, titles = [visible(f) for f in c.files], [visible(t) for t in c.titles]
    width = max(len(f) for f in files)
    lines = ["Comparing", *(f"  {f.ljust(width)}  {t}".rstrip() if t != f else f"  {f}"
                            for f, t in zip(files, titles, strict=True)), ""]
    short = len(c.files) == 2  # "b - a" and "b / a" headers would take the table past 80 columns
    if len(c.files) > 2:  # a column per file, each value's ratio to the first's under it
        lines += [f"Totals (under each value: its ratio to {files[0]}'s)"]
        lines += ["  " + s for s in _aligned(_ratio_rows(c))]
    else:
        legend = f"(difference: {files[1]} - {files[0]}; ratio: {files[1]} / {files[0]})" if short else ""
        lines += [f"Totals {legend}".rstrip()] if len(legend) <= 73 else ["Totals", "  " + legend]
        lines += ["  " + s for s in _aligned(total_table(c, short))]
    lines.append("")
    if not c.related:
        lines.append(f"Layers: different architectures ({c.shared} of {c.most:,} layer names in common), "
                     "so no per-layer list;")
        lines.append("  `cnncalc summarize FILE` shows each one's layers")
    elif c.layers:
        lines.append(f"Layers that differ (matched by name; {c.same_layers} others are the same)")
        side_by_side = ["  " + s for s in _aligned(layer_table(c), right_from=99)]
        lines += side_by_side if max(map(len, side_by_side)) <= 80 else _stacked(c, width)
    else:
        lines.append(f"Every layer is the same in all files ({c.same_layers} layers)")
    return terminal_text("\n".join(lines) + "\n")  # file names and titles are the user's


def _ratio_rows(c: Comparison) -> list[list[str]]:
    rows = [["", *(visible(f) for f in c.files)]]
    for t in c.totals:
        rows.append([_LABELS[t.key], *(count(v) for v in t.values)])
        rows.append(["", "", *(_ratio(r) for r in t.ratios)])
    return rows


def _stacked(c: Comparison, width: int) -> list[str]:
    """Each differing layer, then one line per file: side by side it ran past 80 columns."""
    out = []
    for line in c.layers:
        out.append(f"  {visible(line.name)}  (differs in: {', '.join(line.changed)})")
        out += [f"    {visible(f).ljust(width)}  {_cell(r)}" for f, r in zip(c.files, line.rows, strict=True)]
    return out


def _md(rows: list[list[str]], numeric_from: int) -> list[str]:
    # file and layer names (the header, the first column) are the user's: escaped in full
    out = [
        "| " + " | ".join(markdown_text(h) for h in rows[0]) + " |",
        "|" + "|".join("---:" if i >= numeric_from else "---" for i in range(len(rows[0]))) + "|",
    ]
    out += ["| " + " | ".join([markdown_text(r[0]), *(c.replace("|", "\\|") for c in r[1:])]) + " |"
            for r in rows[1:]]
    return out


def markdown(c: Comparison) -> str:
    lines = ["### Totals", "", *_md(total_table(c), 1), ""]
    if c.layers:
        lines += [
            f"### Layers that differ ({c.same_layers} others are the same)",
            "",
            *_md(layer_table(c), 99),
        ]
    return "\n".join(lines) + "\n"


def as_json(c: Comparison) -> str:
    def row(r: Any) -> Any:
        if r is None:
            return None
        return {
            "output": [json_value(d) for d in r.output],
            "params": json_value(r.params),
            "macs": json_value(r.macs),
        }

    def layer(line: LayerLine) -> dict[str, Any]:
        return {"name": line.name, "differs_in": list(line.changed), "rows": [row(r) for r in line.rows]}

    return json.dumps(
        {
            **envelope("comparison"),
            "files": list(c.files),
            "titles": list(c.titles),
            "totals": {
                t.key: {
                    "values": [json_value(v) for v in t.values],
                    "differences": [json_value(d) for d in t.differences],
                    "ratios": list(t.ratios),
                }
                for t in c.totals
            },
            "layers": [layer(line) for line in c.layers],
            "same_layers": c.same_layers,
        },
        indent=2,
    )


def render(c: Comparison, fmt: str) -> str:
    return {"text": text, "markdown": markdown, "json": as_json}[fmt](c)
