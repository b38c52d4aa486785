"""SPEC §3: `summarize --format json`."""

from __future__ import annotations

import json
from typing import Any

from ..report import Report, Row
from .values import json_number


def report_dict(report: Report, rows: list[Row]) -> dict[str, Any]:
    t = report.totals
    return {
        "name": report.name,
        "input": [json_number(d) for d in report.input],
        "output": [json_number(d) for d in report.output],
        "convention": report.convention,
        "layers": [
            {
                "name": r.name,
                "type": r.kind,
                "from": list(r.inputs),
                "output": [json_number(d) for d in r.output],
                "activations": json_number(r.activations),
                "params": json_number(r.params),
                "trainable": json_number(r.trainable),
                "buffers": json_number(r.buffers),
                "macs": json_number(r.macs),
                "rf": None if r.rf is None else [json_number(v) for v in r.rf],
                "jump": None if r.jump is None else [json_number(v) for v in r.jump],
            }
            for r in rows
        ],
        "totals": {
            "params": json_number(t.params),
            "trainable": json_number(t.trainable),
            "buffers": json_number(t.buffers),
            "macs": json_number(t.macs),
            "flops": json_number(t.flops),
            "activations": json_number(t.activations),
            "param_bytes": json_number(t.param_bytes),
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
            {"subject": v.subject, "key": v.expectation.key, "expected": v.expectation.describe(),
             "actual": [json_number(x) for x in v.actual] if isinstance(v.actual, tuple) else json_number(v.actual),
             "status": v.status, "ok": None if v.skipped else v.ok, "reason": v.skipped or None,
             "line": v.expectation.loc.line, "col": v.expectation.loc.col}
            for v in report.verdicts
        ],
    }


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


def render(reports: list[tuple[Report, list[Row]]]) -> str:
    items = [report_dict(r, rows) for r, rows in reports]
    if len(items) == 1:
        return _dump(items[0], "")
    return "[\n" + ",\n".join("  " + _dump(i, "  ") for i in items) + "\n]"
