"""`cnncalc report`: one self-contained HTML page (styles, script, SVG all inline; no network).

Everything a user wrote (names, kinds, file names, messages) goes through `html.escape` with
quote=True; the script reads its data from a `<script type="application/json">` block whose
`<`, `>` and `&` are written as \\u003c, \\u003e, \\u0026, so `</script>` in a layer name cannot end
the block, and the script only ever sets `textContent`. The table is written here, so the page
paints before (and without) the script; the script adds folding, sorting and the formulas.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ..compare import TOTAL_KEYS, compare
from ..diagram import svg
from ..escape import terminal_text, visible
from ..page import NetworkPage, PageRow
from . import html_assets, html_charts
from .values import count, human_bytes, json_number, shape

COLUMNS = (  # key, heading, numeric
    ("name", "Layer", False), ("kind", "Type", False), ("output", "Output shape", True),
    ("activations", "Activations", True), ("params", "Params", True), ("macs", "MACs", True),
)
FROM_COLUMN = ("from", "From", False)
LONG_TABLE = 1500  # rows past which the table is laid out row by row (html_assets.CSS: table.long)
TOTAL_LABELS = {"params": "Params", "trainable": "Trainable", "buffers": "Buffers", "macs": "MACs",
                "flops": "FLOPs", "activations": "Activations", "param_bytes": "Parameter bytes"}


def esc(text: Any) -> str:
    """One line of user text for HTML: control characters (a bidi override, a newline) written
    as escapes, as every other writer shows them, then `& < > " '` as entities."""
    return escape(visible(str(text)), quote=True)


def script_json(data: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' survive, so no tag can close the block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def row_id(net: int, index: int) -> str:
    return f"n{net}-r{index}"


def render(pages: list[NetworkPage]) -> str:
    title = " vs ".join(_title(p) for p in pages)
    body = [f"<header><h1>{esc(title)}</h1>"
            f'<p class="sub">cnncalc report · {esc(_counted(pages[0]))}</p></header>']
    if len(pages) > 1:
        body.append(_comparison(pages))
    for k, page in enumerate(pages):
        body.append(_network(k, page, len(pages) > 1))
    data = {"networks": [_data(k, p) for k, p in enumerate(pages)]}
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{html_assets.CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f'\n<script type="application/json" id="cnncalc-data">{script_json(data)}</script>\n'
        f"<script>{html_assets.JS}</script>\n</body>\n</html>\n"
    )


def _title(page: NetworkPage) -> str:
    return page.report.name or page.report.file


def _counted(page: NetworkPage) -> str:
    r = page.report
    return f"counted as {r.convention} counts · parameters in {r.dtype}"


# ---- the header ---------------------------------------------------------------------------


def short(value: Any) -> str:
    """25557032 -> '25.6 M': the size at a glance, next to the exact count."""
    if not isinstance(value, int) or abs(value) < 10_000:
        return ""
    for unit, scale in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if abs(value) >= scale:
            return f"{value / scale:#.3g} {unit}"
    return ""  # pragma: no cover


def _number(key: str, value: Any, label: str, note: str = "", big: bool = False) -> str:
    raw = json_number(value)
    note = note or short(value)
    cls = "card big" if big else "card"
    if not isinstance(value, int):  # a symbolic expression: a line of its own, in small type
        cls = "card expr"
    extra = f'<span class="unit">{esc(note)}</span>' if note else ""
    return (f'<div class="{cls}"><dt>{esc(label)}</dt><dd data-key="{key}" data-value="{esc(raw)}">'
            f"{esc(count(value))}</dd>{extra}</div>")


def _totals(page: NetworkPage) -> str:
    r, t = page.report, page.report.totals
    own = r.convention == "cnncalc"
    frozen = t.params - t.trainable
    cards = [
        _number("params", t.params, "Params" if own else f"Params ({r.convention})", big=True),
        _number("trainable", t.trainable, "Trainable"),
        _number("frozen", frozen, "Frozen"),
        _number("buffers", t.buffers, "Buffers (BN statistics)"),
        _number("macs", t.macs, "MACs" if own else f"MACs ({r.convention})", big=True),
        _number("flops", t.flops, "FLOPs (2 × MACs)" if own else f"FLOPs ({r.convention})"),
        _number("param_bytes", t.param_bytes, f"Parameter bytes ({r.dtype})",
                human_bytes(t.param_bytes) if isinstance(t.param_bytes, int) else ""),
        _number("activations", t.activations, "Activations (values output)"),
    ]
    if page.memory is not None:
        m = page.memory
        cards.append(_number("peak_bytes", m.peak_bytes, f"Peak activation memory ({m.dtype})",
                             f"{human_bytes(m.peak_bytes)} at {m.peak_layer}", big=True))
    return '<dl class="totals">' + "".join(cards) + "</dl>"


def _problems(k: int, page: NetworkPage) -> str:
    items = [f'<li class="{d.level}">{esc(d)}</li>' for d in page.header_problems]
    for i, r in enumerate(page.rows):
        for d in r.diagnostics:
            items.append(f'<li class="{d.level}"><a href="#{row_id(k, i)}">{esc(d)}</a></li>')
    if not items:
        return ""
    errors = sum('class="error"' in item for item in items)
    notes = sum('class="note"' in item for item in items)
    warnings = len(items) - errors - notes
    said = ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((errors, "failed expectation"),
                                                                          (warnings, "warning"), (notes, "note"))
                     if n)
    # a short list, or one with a failure, opens; a long list of floor warnings waits to be asked
    state = " open" if errors or len(items) <= 3 else ""
    kind = " failed" if errors else ""
    return (f'<details class="problems{kind}"{state}><summary>{said}</summary>'
            f'<ul>{"".join(items)}</ul></details>')


# ---- the table ----------------------------------------------------------------------------


def _columns(page: NetworkPage) -> tuple[tuple[str, str, bool], ...]:
    return COLUMNS + ((FROM_COLUMN,) if page.report.branches else ())


def _table(k: int, page: NetworkPage) -> str:
    cols = _columns(page)
    head = "".join(
        f'<th scope="col" class="{"num" if numeric else "txt"} c-{key}" aria-sort="none">'
        f'<button type="button" class="sort" data-key="{key}">{label}</button></th>'
        for key, label, numeric in cols
    )
    rows = "\n".join(_row(k, i, r, page, cols) for i, r in enumerate(page.rows))
    long = " long" if len(page.rows) > LONG_TABLE else ""
    return (f'<div class="scroll"><table class="layers{long}" data-net="{k}"><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{rows}\n</tbody></table></div>")


def _row(k: int, i: int, r: PageRow, page: NetworkPage, cols: tuple[tuple[str, str, bool], ...]) -> str:
    row = r.row
    classes = ["grp" if r.is_group else "leaf"]
    levels = {d.level for d in r.diagnostics}
    if "error" in levels:
        classes.append("has-error")
    elif levels:
        classes.append("has-warning")
    if r.inner_problems:
        classes.append("inner-problem")
    name = f'<span class="nm">{esc(row.name)}</span>'
    if r.is_group:
        state = "false" if r.folded else "true"
        name = (f'<button type="button" class="fold" aria-expanded="{state}" '
                f'aria-label="fold or unfold {esc(row.name)}"></button>{name}')
        if r.inner_problems:
            name += f' <span class="badge">{r.inner_problems} inside</span>'
    for d in r.diagnostics:
        name += f'<div class="diag {d.level}">{esc(d)}</div>'
    cells = {
        "name": name, "kind": esc(row.kind), "output": esc(shape(row.output)),
        "activations": esc(count(row.activations)), "params": esc(count(row.params)),
        "macs": esc(count(row.macs)), "from": esc(", ".join(row.inputs)),
    }
    symbolic = {k for k in ("activations", "params", "macs") if not isinstance(getattr(row, k), int)}
    if not all(isinstance(d, int) for d in row.output):
        symbolic.add("output")
    tds = "".join(
        f'<td class="{"num" if numeric else "txt"} c-{key}{" expr" if key in symbolic else ""}"'
        + (f' style="--lvl:{r.level}"' if key == "name" else "") + f">{cells[key]}</td>"
        for key, _, numeric in cols
    )
    hidden = " hidden" if r.hidden else ""
    return f'<tr id="{row_id(k, i)}" data-i="{i}" class="{" ".join(classes)}"{hidden}>{tds}</tr>'


# ---- the pictures -------------------------------------------------------------------------


def _pictures(k: int, page: NetworkPage) -> str:
    out = []
    if page.diagram is not None:
        index = {r.row.name: i for i, r in enumerate(page.rows)}
        links = {name: f"#{row_id(k, i)}" for name, i in index.items()}
        drawing = svg.render(page.diagram, links, prolog=False)
        out.append(f'<h3>Diagram</h3><div class="scroll diagram">{drawing}</div>')
    else:
        out.append(f'<h3>Diagram</h3><p class="note">{esc(page.diagram_note)}</p>')
    shown = page.shown
    charts = []
    for key, what, heading in (("params", "params", "Parameters per layer"),
                               ("macs", "MACs", "MACs per layer")):
        if all(isinstance(getattr(r.row, key), int) for _, r in shown):
            bars = [html_charts.Bar(r.row.name, getattr(r.row, key), f"#{row_id(k, i)}") for i, r in shown]
            charts.append(f'<figure><h3>{heading}</h3><div class="chart-box">{html_charts.bars(bars, what)}</div>'
                          "</figure>")
    if charts:
        out.append(f'<div class="charts">{"".join(charts)}</div>')
    if page.memory is not None:
        m = page.memory
        points = [(layer.name, layer.live_bytes) for layer in m.layers]
        out.append("<h3>Activation memory while each layer runs</h3>"
                   f'<div class="chart-box">{html_charts.curve(points, m.peak_layer, m.peak_bytes)}</div>'
                   '<p class="note">inputs and output of the running layer, and every tensor still to be read'
                   f" (batch 1, {esc(m.dtype)}; README: Memory)</p>")
    else:
        out.append(f'<h3>Activation memory</h3><p class="note">{esc(page.memory_note)}</p>')
    return "\n".join(out)


# ---- a network's section and the script's data ------------------------------------------------


def _network(k: int, page: NetworkPage, several: bool) -> str:
    r = page.report
    facts = [f"{esc(r.file)}", f"input {esc(shape(r.input))} → output {esc(shape(r.output))}",
             f"{len(r.rows):,} layers"]
    reference = ""
    if r.reference:  # free text of several lines: its own newlines stay
        reference = (f'<details class="ref"><summary>Reference</summary>'
                     f'<p class="sub">{escape(terminal_text(r.reference))}</p></details>')
    return (
        f'<section class="network" id="n{k}" data-net="{k}">'
        + (f"<h2>{esc(_title(page))}</h2>" if several else "")
        + f'<p class="sub">{" · ".join(facts)}</p>' + reference

        + _totals(page) + _problems(k, page)
        + '<h3>Layers</h3><div class="controls">'
        '<button type="button" class="unfold-all">Unfold all</button>'
        '<button type="button" class="fold-all">Fold all</button>'
        '<button type="button" class="unsort">Network order</button>'
        '<span class="hint">Click a layer for its formulas; a column heading sorts.</span></div>'
        + _table(k, page) + _pictures(k, page) + "</section>"
    )


def _sort_value(value: Any) -> Any:
    v = json_number(value)
    return v if isinstance(v, (int, float)) else str(v)


def _data(k: int, page: NetworkPage) -> dict[str, Any]:
    rows = page.rows
    return {
        "parent": [r.parent for r in rows],
        "end": [r.end for r in rows],
        "folded": [int(r.folded) for r in rows],
        "explain": [r.explanation or None for r in rows],
        "sort": {
            "name": [visible(r.row.name) for r in rows],
            "kind": [visible(r.row.kind) for r in rows],
            "output": [_sort_value(r.row.activations) for r in rows],
            "activations": [_sort_value(r.row.activations) for r in rows],
            "params": [_sort_value(r.row.params) for r in rows],
            "macs": [_sort_value(r.row.macs) for r in rows],
            "from": [visible(", ".join(r.row.inputs)) for r in rows],
        },
    }


def _comparison(pages: list[NetworkPage]) -> str:
    found = compare([p.report for p in pages])
    head = "".join(f'<th scope="col" class="num"><a href="#n{k}">{esc(_title(p))}</a></th>'
                   for k, p in enumerate(pages))
    lines = []
    for line in found.totals:
        if line.key not in TOTAL_KEYS:
            continue
        cells = [f'<td class="num">{esc(count(v))}</td>' for v in line.values]
        ratios = ", ".join("–" if q is None else f"{q:.2f}×" for q in line.ratios)
        lines.append(f'<tr><th scope="row">{esc(TOTAL_LABELS.get(line.key, line.key))}</th>{"".join(cells)}'
                     f'<td class="num">{esc(ratios)}</td></tr>')
    return ('<section class="comparison"><h2>Side by side</h2><div class="scroll"><table class="compare">'
            f'<thead><tr><th></th>{head}<th scope="col" class="num">vs the first</th></tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table></div>"
            f'<p class="note">{len(found.layers):,} layer names differ in output, params or MACs;'
            f" {found.same_layers:,} are the same in all.</p></section>")
