"""One CSV row per layer (several files: a `file` column first)."""

from __future__ import annotations

import csv
import io

from ..escape import csv_cell
from ..report import Report, Row
from .values import bracketed, json_number, pair

HEADER = ["name", "type", "from", "output", "activations", "params", "trainable", "buffers", "macs", "rf", "jump"]


def render(reports: list[tuple[Report, list[Row]]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    several = len(reports) > 1
    writer.writerow((["file"] if several else []) + HEADER)
    for report, rows in reports:
        for r in rows:
            writer.writerow(
                ([csv_cell(report.file)] if several else [])
                + [csv_cell(r.name), csv_cell(r.kind), csv_cell(" ".join(r.inputs)), csv_cell(_shape(r.output))]
                + [json_number(v) for v in (r.activations, r.params, r.trainable, r.buffers, r.macs)]
                + [pair(r.rf) if r.rf else "", pair(r.jump) if r.jump else ""]
            )
    return out.getvalue()


def _shape(dims: tuple) -> str:
    sep = "x" if all(isinstance(d, int) for d in dims) else " x "
    return sep.join(bracketed(str(json_number(d))) for d in dims)
