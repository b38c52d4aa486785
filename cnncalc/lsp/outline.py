"""The names a cnncalc YAML file defines, and where: blocks (with their args) and vars.

Read from the located tree, so a definition is where the CLI's messages would point. While a
file does not parse, the last text that did is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import CnnError, Location
from ..source import Node, load


@dataclass(frozen=True, slots=True)
class BlockDef:
    name: str
    loc: Location
    args: dict[str, Location]
    end_line: int  # 1-based, the last line before the next block or top-level key


@dataclass(frozen=True, slots=True)
class Outline:
    blocks: dict[str, BlockDef] = field(default_factory=dict)
    vars: dict[str, Location] = field(default_factory=dict)

    def block_around(self, line: int) -> BlockDef | None:
        """The block whose definition contains 1-based `line`."""
        for b in self.blocks.values():
            if b.loc.line <= line <= b.end_line:
                return b
        return None


def outline(text: str, filename: str) -> Outline | None:
    try:
        root = load(text, filename)
    except (CnnError, RecursionError):
        return None
    if not root.is_map:
        return Outline()
    top = root.value
    vars_ = _keys(top.get("vars"))
    blocks: dict[str, BlockDef] = {}
    starts = sorted(loc.line for loc in root.key_locs.values())
    node = top.get("blocks")
    if node is not None and node.is_map:
        names = list(node.value)
        lines = [node.key_locs[n].line for n in names]
        after = [s for s in starts if s > root.key_locs["blocks"].line]
        stop = (after[0] - 1) if after else 10**9
        for i, name in enumerate(names):
            end = lines[i + 1] - 1 if i + 1 < len(names) else stop
            body = node.value[name]
            args = _keys(body.value.get("args")) if body.is_map else {}
            blocks[name] = BlockDef(name, node.key_locs[name], args, end)
    return Outline(blocks, vars_)


def _keys(n: Node | None) -> dict[str, Location]:
    return dict(n.key_locs) if n is not None and n.is_map else {}
