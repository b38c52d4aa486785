"""`cnncalc check` as text: each answer right or wrong, the working for wrong ones, the score."""

from __future__ import annotations

import json
from typing import Any

from ..check import Approx, Grading, Item
from ..escape import terminal_text, visible
from .explain_text import fit, to_ascii, wrap


def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return " x ".join(str(d) for d in v) if len(v) != 1 else f"[{v[0]}]"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _approx(a: Approx) -> str:
    return (
        f"approximate: {int(a.low):,} to {int(a.high):,} accepted"
        if a.half >= 1
        else f"approximate: {a.low:,} to {a.high:,} accepted"
    )


def item_lines(item: Item) -> list[str]:
    where = visible(f"{item.subject} {item.key}")  # a layer name, the user's
    note = f"  ({_approx(item.answer)})" if isinstance(item.answer, Approx) else ""
    if item.right:
        return [f"right  {where}: {item.written}{note}"]
    out = [f"WRONG  {where}: you wrote {item.written}{note}; the answer is {_value(item.actual)}"]
    if item.mistake:
        out.append(f"         why: {item.mistake}")
    out.extend(f"         {w}" for w in item.working)
    return out


def text(g: Grading, ascii: bool = False, width: int | None = None) -> str:
    """`width` (a terminal's) breaks long lines: the working at its ' = ', the rest at spaces."""
    lines = [f"{g.answers}: answers for {g.file}"]
    for item in g.items:
        for line in item_lines(item):
            line = to_ascii(line) if ascii else line
            if line.lstrip().startswith("why: "):
                lines += wrap(line.strip(), "         ", width, "              ")
            elif line.startswith(" "):  # the working: label = formula = values = result
                lines += fit(line.strip().split(" = "), "           ", width)
            else:
                lines += wrap(line, "  ", width, "           ")
    lines.append(f"{g.score}/{len(g.items)} correct")
    return terminal_text("\n".join(lines) + "\n")  # file and layer names are the user's


def as_json(g: Grading) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, tuple):
            return list(v)
        if isinstance(v, Approx):
            return {"approx": float(v.value), "low": float(v.low), "high": float(v.high)}
        return v

    from .values import envelope

    return json.dumps(
        {
            **envelope("grading"),
            "file": g.file,
            "answers": g.answers,
            "score": g.score,
            "total": len(g.items),
            "items": [
                {
                    "subject": i.subject,
                    "key": i.key,
                    "written": i.written,
                    "answer": plain(i.answer),
                    "actual": plain(i.actual),
                    "right": i.right,
                    "mistake": i.mistake or None,
                    "working": list(i.working),
                    "line": i.loc.line,
                    "col": i.loc.col,
                }
                for i in g.items
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
