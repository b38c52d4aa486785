"""Go to definition: a `from:` name to its layer, a block use to its block, `$var` to its var
or block argument."""

from __future__ import annotations

import re

from ..errors import Location
from ..report import Report
from .outline import Outline
from .positions import word_at

_FROM = re.compile(r"\bfrom\s*:\s*\[?[^:]*$")


def definition(lines: list[str], line: int, character: int, report: Report | None,
               names: Outline | None) -> Location | None:
    found = word_at(lines, line, character)
    if found is None:
        return None
    word, span = found
    before = lines[line][:span.start]
    if word.startswith("$") or before.endswith("${") or "${" in before.rsplit("}", 1)[-1]:
        return _variable(word.lstrip("$").strip("{}"), line, names)
    if _FROM.search(before) and report is not None:
        return _layer(word, line, report)
    if names is not None and word in names.blocks and re.search(r"-\s*$", before):
        return names.blocks[word].loc
    return None


def _variable(name: str, line: int, names: Outline | None) -> Location | None:
    if names is None:
        return None
    block = names.block_around(line + 1)
    if block is not None and name in block.args:
        return block.args[name]
    return names.vars.get(name)


def _layer(name: str, line: int, report: Report) -> Location | None:
    """The layer `name` means at 0-based `line`: its full dotted name, else the nearest earlier
    layer whose name ends in it (inside a body, `from` names the body's own layers first)."""
    groups = report.graph.groups if report.graph is not None else {}
    for row in report.rows:
        if row.name == name:
            return row.loc
    if name in groups:
        return groups[name].loc
    best: Location | None = None
    for row in report.rows:
        if row.name.endswith("." + name) and row.loc.line <= line + 1:
            if best is None or row.loc.line > best.line:
                best = row.loc
    return best
