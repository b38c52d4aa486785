"""SPEC §3: `summarize --format json`."""

from __future__ import annotations

import json
from typing import Any

from .. import tensors
from ..report import Report, Row
from .values import envelope, json_value


def report_dict(report: Report, rows: list[Row], layout: str = "tf") -> dict[str, Any]:
    t = report.totals
    held = tensors.of_rows(report, rows)
    return {
        **envelope("summary", report.dtype, report.convention),
        "name": report.name,
        "file": report.file,
        "input": [json_value(d) for d in report.input],
        "output": [json_value(d) for d in report.output],
        "layout": layout,
        "layers": [
            {
                "name": r.name,
                "type": r.kind,
                "from": list(r.inputs),
                "output": [json_value(d) for d in r.output],
                "activations": json_value(r.activations),
                "params": json_value(r.params),
                "weights": json_value(r.weights),
                "biases": json_value(r.biases),
                "trainable": json_value(r.trainable),
                "buffers": json_value(r.buffers),
                "macs": json_value(r.macs),
                "rf": None if r.rf is None else [json_value(v) for v in r.rf],
                "jump": None if r.jump is None else [json_value(v) for v in r.jump],
                "tensors": [
                    {"name": _tensor_name(r, holder, t, layout), "role": t.role,
                     "shape": [json_value(d) for d in t.shape(layout)], "count": json_value(t.count)}
                    for holder, t, _ in named
                ],
            }
            for r, named in zip(rows, held)
        ],
        "totals": {
            "params": json_value(t.params),
            "trainable": json_value(t.trainable),
            "buffers": json_value(t.buffers),
            "macs": json_value(t.macs),
            "flops": json_value(t.flops),
            "activations": json_value(t.activations),
            "param_bytes": json_value(t.param_bytes),
        },
        "warnings": [
            {"layer": w.layer, "message": w.message, "file": w.loc.file if w.loc else report.file,
             "line": w.loc.line if w.loc else None, "col": w.loc.col if w.loc else None}
            for w in report.warnings
        ],
        "notes": [
            {"layer": w.layer, "message": w.message, "file": w.loc.file if w.loc else report.file,
             "line": w.loc.line if w.loc else None, "col": w.loc.col if w.loc else None}
            for w in report.notes
        ],
        "expectations": [
            {"subject": v.subject, "key": v.expectation.key, **expected(v.expectation),
             "actual": [json_value(x) for x in v.actual] if isinstance(v.actual, tuple) else json_value(v.actual),
             "status": v.status, "ok": None if v.skipped else v.ok, "reason": v.skipped or None,
             "line": v.expectation.loc.line, "col": v.expectation.loc.col}
            for v in report.verdicts
        ],
    }


def expected(e: Any) -> dict[str, Any]:
    """`expected` of the type of `actual` (a count, or a shape as a list), or null for a
    budget, whose bounds are `min` and `max` (null when absent); `text` as a message says it."""
    exact = e.exact
    if isinstance(exact, (tuple, list)):
        exact = [json_value(x) for x in exact]
    return {"expected": exact, "min": e.low, "max": e.high, "text": e.describe()}


def _tensor_name(row: Row, holder: str, t: tensors.Tensor, layout: str) -> str:
    """kernel, bias (a leaf's own; PyTorch's weight, bias); a folded row's prefixed by the leaf
    inside it that holds them, relative to the row (main.conv1/kernel)."""
    own = t.label(layout)
    if holder == row.name:
        return own
    inner = holder[len(row.name) + 1:] if holder.startswith(row.name + ".") else holder
    return f"{inner}/{own}" if layout == "tf" else f"{inner}.{own}"


def _dump(item: dict[str, Any], indent: str) -> str:
    """Two-space indented, but each layer on one line: readable, and encoded by json's C
    encoder (an indented dump falls back to the pure-Python one, 10x slower on big networks)."""
    inner = indent + "  "
    parts = []
    for key, value in item.items():
        if key in ("layers", "warnings", "notes", "expectations") and value:
            rows = f",\n{inner}  ".join(json.dumps(v) for v in value)
            text = f"[\n{inner}  {rows}\n{inner}]"
        else:
            text = json.dumps(value)
        parts.append(f"{inner}{json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + f"\n{indent}}}"


def render(reports: list[tuple[Report, list[Row]]], layout: str = "tf") -> str:
    items = [report_dict(r, rows, layout) for r, rows in reports]
    if len(items) == 1:
        return _dump(items[0], "")
    return "[\n" + ",\n".join("  " + _dump(i, "  ") for i in items) + "\n]"
