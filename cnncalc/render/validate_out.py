"""`validate` results as text, JSON or GitHub Actions workflow commands."""

from __future__ import annotations

import json
from typing import Any

from ..errors import format_diagnostic
from ..escape import annotation, annotation_property
from ..validate import FileResult, Problem, Summary

_STATUS = {0: "ok", 1: "failed", 2: "invalid"}


def render(summary: Summary, fmt: str) -> str:
    if fmt == "json":
        return json_text(summary)
    if fmt == "github":
        return github(summary)
    return text(summary)


def summary_line(summary: Summary) -> str:
    files = "file" if summary.checked == 1 else "files"
    return f"{summary.checked} {files} checked, {summary.failed} failed"


def text(summary: Summary) -> str:
    """`FILE:LINE:COL: error: MESSAGE`, one per line, then 'N files checked, M failed'."""
    lines = [format_diagnostic(p.level, p.message, p.loc) for r in summary.results for p in r.problems]
    return "\n".join([*lines, summary_line(summary)])


def json_text(summary: Summary) -> str:
    return json.dumps(as_data(summary), indent=2)


def as_data(summary: Summary) -> dict[str, Any]:
    from .values import envelope

    return {
        **envelope("validation"),
        "checked": summary.checked,
        "failed": summary.failed,
        "exit_code": summary.return_code,
        "files": [_file(r) for r in summary.results],
    }


def _file(result: FileResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "file": result.file,
        "status": _STATUS[result.status],
        "exit_code": result.status,
        "expectations": result.expectations,
        "problems": [_problem(p) for p in result.problems],
    }
    rep = result.report
    if rep is not None:
        out["name"] = rep.name
        out["totals"] = {k: _plain(rep.totals.get(k)) for k in ("params", "trainable", "buffers", "macs")}
    return out


def _problem(p: Problem) -> dict[str, Any]:
    return {"line": p.loc.line, "col": p.loc.col, "level": p.level, "kind": p.kind, "message": p.message}


def _plain(value: Any) -> Any:
    from .values import json_value

    return json_value(value)


def github(summary: Summary) -> str:
    """Workflow commands: GitHub shows each as an annotation on the file's line."""
    lines = []
    for r in summary.results:
        for p in r.problems:
            props = ",".join(
                f"{k}={annotation_property(str(v))}"
                for k, v in (("file", p.loc.file), ("line", p.loc.line), ("col", p.loc.col))
            )
            lines.append(f"::{p.level} {props}::{annotation(p.message)}")
    return "\n".join([*lines, summary_line(summary)])

