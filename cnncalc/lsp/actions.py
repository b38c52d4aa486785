"""Code actions: the edits a problem or a computed number suggests.

- a failed exact `expect`: set it to the computed value;
- a stride-1 conv or pool whose padding shrinks n_H: `padding: same` keeps it;
- a "did you mean 'X'?" in a message: replace the word with X.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import Location
from ..report import Report
from ..validate import Problem
from .positions import Span, span_at

_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")


@dataclass(frozen=True, slots=True)
class Action:
    title: str
    span: Span  # the text replaced (an empty span inserts)
    new_text: str
    preferred: bool = False


def actions(lines: list[str], first: int, last: int, report: Report | None,
            problems: tuple[Problem, ...], stale: bool) -> list[Action]:
    """Actions for the 0-based lines first..last (the editor's selection or cursor line)."""
    out: list[Action] = []
    for p in problems:
        if first <= p.loc.line - 1 <= last:
            match = _DID_YOU_MEAN.search(p.message)
            if match:
                out.append(Action(f"Replace with '{match.group(1)}'", span_at(lines, p.loc), match.group(1), True))
    if report is None or stale:  # the numbers are of an earlier text: no edits from them
        return out
    # one `expect` written once may be checked many times (`repeat`, a block used twice): an
    # edit is offered only when every check of it found the same value
    found_at: dict[Any, set[str]] = {}
    for verdict in report.verdicts:
        e = verdict.expectation
        found_at.setdefault(e.loc, set()).add(repr(verdict.actual))
    for verdict in report.verdicts:
        e = verdict.expectation
        if verdict.ok or e.exact is None or not first <= e.loc.line - 1 <= last or len(found_at[e.loc]) > 1:
            continue
        value = _value_span(lines, span_at(lines, e.loc))
        written = _written_value(verdict.actual, e.key, lines, value)
        if written is not None:
            out.append(Action(f"Set expect {e.key} to the computed {written}", value, written, True))
    assert report.graph is not None
    for row in report.rows:
        if first <= row.loc.line - 1 <= last and row.leaf is not None and row.loc.file == report.file:
            fix = _padding_fix(lines, row, report)
            if fix is not None:
                out.append(fix)
    return _unique(out)


def _unique(found: list[Action]) -> list[Action]:
    """One action per edit; a `repeat` or a block used many times writes one line for many rows,
    and where those rows would want different values no single edit is right."""
    by_span: dict[Span, list[Action]] = {}
    for a in found:
        by_span.setdefault(a.span, []).append(a)
    return [group[0] for group in by_span.values() if len({a.new_text for a in group}) == 1]


def _value_span(lines: list[str], key: Span) -> Span:
    """An expectation is located at its key; the edit replaces the value after `key: `."""
    text = lines[key.line]
    after = re.match(r"\s*:\s*", text[key.end:])
    if after is None:
        return key
    start = key.end + after.end()
    return span_at(lines, Location("", key.line + 1, start + 1))


def _written_value(actual: Any, key: str, lines: list[str], span: Span) -> str | None:
    """The computed value written as the file writes the old one (`28x28x6` or `[28, 28, 6]`)."""
    if key != "output":
        return str(actual) if isinstance(actual, int) else None
    if not all(isinstance(d, int) for d in actual):
        return None
    old = lines[span.line][span.start:span.end]
    if old.startswith("[") or len(actual) == 1:
        return "[" + ", ".join(map(str, actual)) + "]"
    return "x".join(map(str, actual))


def _padding_fix(lines: list[str], row: Any, report: Report) -> Action | None:
    layer = row.leaf.layer
    if "padding" not in type(layer).ARGS or len(row.output) != 3 or len(row.inputs) != 1:
        return None
    n_in = report.graph.shape_of(row.inputs[0])
    if len(n_in) != 3 or not isinstance(n_in[0], int) or not isinstance(row.output[0], int):
        return None
    window = layer.window([n_in])
    if tuple(window.stride) != (1, 1) or row.output[0] == n_in[0]:
        return None  # `same` keeps n_H only at stride 1
    line = row.loc.line - 1
    text = lines[line]
    found = re.search(r"\bpadding\s*:\s*", text)
    if found:
        value = span_at(lines, Location(row.loc.file, line + 1, found.end() + 1))
        return Action(f"Set padding to same to keep n_H = {n_in[0]} (now {row.output[0]})", value, "same")
    close = text.rfind("}")
    if close < 0 or "{" not in text[row.loc.col - 1:]:
        return None  # a block-style mapping: where the key goes is the user's choice
    return Action(f"Add padding: same to keep n_H = {n_in[0]} (now {row.output[0]})",
                  Span(line, close, close), ", padding: same")
