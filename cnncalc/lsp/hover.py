"""Hover on a layer line: its shapes and costs, then the worked steps `explain` prints."""

from __future__ import annotations

from ..explain import count, explain, shape
from ..render.explain_text import markdown
from ..render.values import pair
from ..report import Report
from .hints import LineFacts

MAX_EXPLAINED_ROWS = 40  # a block use of 40+ leaves: the summary is enough, `explain` has the rest


def hover_markdown(report: Report, facts: LineFacts) -> str:
    subject = facts.subjects[0]
    rows = subject.rows
    assert report.graph is not None
    first = rows[0]
    ins = " + ".join(shape(report.graph.shape_of(i)) for i in first.inputs)
    kind = first.kind if len(rows) == 1 else report.graph.groups[subject.name].kind
    weights = sum(r.weights for r in rows)
    biases = sum(r.biases for r in rows)
    params = sum(r.params for r in rows)
    macs = sum(r.macs for r in rows)
    out = [f"**{_code(subject.name)}** ({_code(kind)}): {ins} → {shape(subject.output)}", ""]
    if len(facts.subjects) > 1:
        out += [f"*first of {len(facts.subjects)} layers written on this line; the others: "
                f"{', '.join(_code(s.name) for s in facts.subjects[1:4])}"
                f"{', ...' if len(facts.subjects) > 4 else ''}*", ""]
    out += [
        f"- params: {count(params)} = {count(weights)} weights + {count(biases)} biases",
        f"- MACs: {count(macs)}",
        f"- receptive field: {pair(rows[-1].rf)}, jump {pair(rows[-1].jump)}",
    ]
    if len(rows) <= MAX_EXPLAINED_ROWS:
        worked = markdown(explain(report, [subject.name]))
        out += ["", "---", "", *_without_title(worked)]
    return "\n".join(out).rstrip("\n") + "\n"


def _without_title(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[2:] if lines and lines[0].startswith("### ") else lines


def _code(name: str) -> str:
    """A name a user wrote, shown literally: markdown in it must not render."""
    return "`" + name.replace("`", "'") + "`"
