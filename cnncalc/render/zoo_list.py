"""`cnncalc list`: the bundled networks by family, with parameters, MACs and default input.

Each network is computed (about 10 ms each: the numbers are cnncalc's own, never copied), then
grouped by `bundled.family` in the order of `bundled.FAMILIES`, smallest first; or, sorted by
one column, one list with the family as a column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from .. import bundled
from ..escape import terminal_text


def catalogue(names: Iterable[str], read: Callable[[str], str]) -> list[dict[str, Any]]:
    from ..analysis import analyze_text

    items = []
    for name in names:
        report = analyze_text(read(name), name)
        items.append({"name": name, "family": bundled.family(name), "title": report.name,
                      "input": [int(d) for d in report.input], "params": report.totals.params,
                      "macs": report.totals.macs, "reference": report.reference})
    return items


def _natural(name: str) -> list[Any]:
    """resnet18 < resnet34 < resnet101: digits compared as numbers."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _family_rank(item: dict[str, Any]) -> int:
    titles = [t for t, _ in bundled.FAMILIES]
    return titles.index(item["family"]) if item["family"] in titles else len(titles)


def _size(item: dict[str, Any]) -> str:
    return "x".join(str(d) for d in item["input"])


SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "family": lambda i: (_family_rank(i), i["params"], _natural(i["name"])),
    "name": lambda i: _natural(i["name"]),
    "params": lambda i: (i["params"], _natural(i["name"])),
    "macs": lambda i: (i["macs"], _natural(i["name"])),
    "input": lambda i: ([-d for d in i["input"][:1]] + i["input"][1:], _natural(i["name"])),
}


def render(items: list[dict[str, Any]], fmt: str, sort: str) -> str:
    items = sorted(items, key=SORT_KEYS[sort])
    if fmt == "json":
        from .values import envelope

        return json.dumps({**envelope("catalogue"), "networks": items}, indent=2) + "\n"
    width = max(len(i["name"]) for i in items)
    size = max(len(_size(i)) for i in items)

    def line(i: dict[str, Any], family: str = "") -> str:
        return (f"  {i['name']:<{width}}  {_size(i):>{size}}  {i['params']:>13,} params  "
                f"{i['macs']:>15,} MACs  {family}{i['title']}")

    out: list[str] = []
    if sort == "family":
        current = None
        for i in items:
            if i["family"] != current:
                if current is not None:
                    out.append("")
                current = i["family"]
                out.append(f"{current}")
            out.append(line(i))
    else:
        out = [line(i, f"[{i['family']}] ") for i in items]
    out.append("")
    out.append(f"{len(items)} networks; a name works wherever a FILE is taken (`cnncalc summarize resnet50`)")
    return terminal_text("\n".join(out) + "\n")
