"""Completion in cnncalc YAML, all from the layer registry and the JSON Schema built from it
(so a new layer kind is offered without touching the server): layer kinds and blocks after
`- `, a kind's keys inside its mapping, allowed values after `key: `, `from:` names and `$vars`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from ..layers import KIND_ALIASES, all_kinds
from ..report import Report
from ..spec import COMPOSITES, EXPECT_KEYS, TOP_KEYS
from .outline import Outline


@dataclass(frozen=True, slots=True)
class Item:
    label: str
    kind: str  # 'kind' | 'block' | 'key' | 'value' | 'name' | 'var'
    detail: str = ""


_ITEM_START = re.compile(r"^\s*-\s+(\w*)$")
_ITEM_KIND = re.compile(r"^\s*-\s+(\w+)\s*:")
_BLOCK_STYLE_KEY = re.compile(r"^\s*(?:-\s+)?(\w+)\s*:\s")
_ENTRY_HEAD = re.compile(r"^(\s*)-\s+(\w+)\s*:\s*(?:#.*)?$")
_PARTIAL = re.compile(r"[\w$.\-]*$")


def complete(lines: list[str], line: int, character: int, report: Report | None,
             names: Outline | None) -> list[Item]:
    """Items for the cursor at 0-based (`line`, `character`)."""
    if not 0 <= line < len(lines):
        return []
    before = lines[line][:character]
    if "#" in before:
        return []
    blocks = names.blocks if names is not None else {}
    partial = _PARTIAL.search(before).group()
    if partial.startswith("$") or "${" in before[before.rfind(":") + 1:]:
        return _vars(names, line)
    if _ITEM_START.match(before):
        return _kinds(blocks)
    if re.fullmatch(r"\w*", before):
        return [Item(k, "key", "top-level key") for k in TOP_KEYS]
    head = _ITEM_KIND.match(before)
    if head is not None:
        where = _flow_position(before[head.end():], head.group(1))
        if where is not None:
            owner, key = where
            if key is None:
                return _keys(owner, blocks)
            return _values(key, owner, report)
        return []
    key = _BLOCK_STYLE_KEY.match(before)
    kind = _enclosing_kind(lines, line)
    if key is not None:
        where = _flow_position(before[key.end() - 1:], key.group(1))
        if where is not None and where[0] != key.group(1):
            return _keys(where[0], blocks) if where[1] is None else _values(where[1], where[0], report)
        return _values(key.group(1), kind, report)
    if re.fullmatch(r"\s+\w*", before):
        return _keys(kind, blocks)
    return []


def _flow_position(rest: str, kind: str) -> tuple[str, str | None] | None:
    """Scan the text after `KIND:` up to the cursor: (the mapping's owner, the key whose value
    is being written, or None at a key's place). Owners are the kind, or `expect` inside it."""
    stack: list[tuple[str, str]] = []  # ('map' | 'list', owner)
    key: str | None = kind
    word = ""
    quote = ""
    for ch in rest:
        if quote:
            quote = "" if ch == quote else quote
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "{":
            stack.append(("map", key or kind))
            key = None
        elif ch == "[":
            stack.append(("list", key or kind))
        elif ch in "}]":
            if stack:
                stack.pop()
            key = None
        elif ch == ",":
            if stack and stack[-1][0] == "map":
                key = None
        elif ch == ":":
            key = word
        if ch.isalnum() or ch == "_":
            word += ch
        elif ch != ":":
            word = ""
    if not stack:
        return (kind, key) if key and key != kind else None
    shape, owner = stack[-1]
    if shape == "list":
        return (_owner_map(stack), owner)
    return (owner, key)


def _owner_map(stack: list[tuple[str, str]]) -> str:
    maps = [owner for shape, owner in stack if shape == "map"]
    return maps[-1] if maps else ""


def _vars(names: Outline | None, line: int) -> list[Item]:
    if names is None:
        return []
    found = {n: "var" for n in names.vars}
    block = names.block_around(line + 1)
    if block is not None:
        found.update({n: f"argument of block '{block.name}'" for n in block.args})
    return [Item("$" + n, "var", d) for n, d in found.items()]


def _kinds(blocks: Any) -> list[Item]:
    items = [Item(k, "kind", _doc_of(k)) for k in all_kinds()]
    items += [Item(a, "kind", f"same as '{k}'") for a, (k, _) in KIND_ALIASES.items()]
    items += [Item(c, "kind", _doc_of(c)) for c in COMPOSITES]
    items += [Item(b, "block", "block") for b in blocks]
    return items


def _keys(kind: str | None, blocks: Any) -> list[Item]:
    if kind is None:
        return []
    if kind in blocks:
        props = {**{a: "block argument" for a in blocks[kind].args}, **_common_props()}
        return [Item(k, "key", d) for k, d in props.items()]
    if kind == "expect":
        return [Item(k, "key") for k in EXPECT_KEYS]
    if kind in ("params", "trainable", "buffers", "macs", "activations"):
        return [Item("min", "key", "budget: at least"), Item("max", "key", "budget: at most")]
    return [Item(k, "key", prop.get("description", "")) for k, prop in _properties(kind).items()]


def _values(key: str, kind: str | None, report: Report | None) -> list[Item]:
    if key == "from":
        if report is None:
            return [Item("input", "name")]
        names = ["input", *(r.name for r in report.rows)]
        if report.graph is not None:
            names += list(report.graph.groups)
        return [Item(n, "name") for n in dict.fromkeys(names)]
    prop = _properties(kind).get(key) if kind else None
    if prop is None:
        prop = _common_props_schema().get(key) or (_schema()["$defs"]["activation"] if key == "activation" else None)
    return [Item(v, "value") for v in _allowed(prop)] if prop else []


def _enclosing_kind(lines: list[str], line: int) -> str | None:
    """The kind of the block-style entry (`- conv:` alone on its line) whose keys are below it."""
    indent = len(lines[line]) - len(lines[line].lstrip())
    for i in range(line - 1, max(line - 200, -1), -1):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        own = len(text) - len(text.lstrip())
        head = _ENTRY_HEAD.match(text)
        if head and own < indent:
            return head.group(2)
        plain = re.match(r"^(\s*)(\w+)\s*:\s*$", text)
        if plain and own < indent:
            return plain.group(2) if plain.group(2) == "expect" else None
        if own < indent:
            return None
    return None


# ---- the schema, read once --------------------------------------------------------------


@functools.cache
def _schema() -> dict[str, Any]:
    from ..schema import build

    return build()


def _properties(kind: str) -> dict[str, Any]:
    kind = KIND_ALIASES.get(kind, (kind, {}))[0]
    defs = _schema()["$defs"]
    found = defs.get(f"kind_{kind}") or defs.get(kind)
    if found is None:
        return {}
    if "properties" in found:
        return found["properties"]
    for option in found.get("anyOf", []):
        if "properties" in option:
            return option["properties"]
    return {}


def _common_props_schema() -> dict[str, Any]:
    return {k: v for k, v in _properties("conv").items() if k in ("name", "from", "repeat", "trainable", "expect")}


def _common_props() -> dict[str, str]:
    return {k: _resolve(v).get("description", "") for k, v in _common_props_schema().items()}


def _doc_of(kind: str) -> str:
    defs = _schema()["$defs"]
    return (defs.get(f"kind_{kind}") or defs.get(kind) or {}).get("description", "")


def _resolve(prop: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref")
    if ref:
        return _resolve(_schema()["$defs"][ref.rsplit("/", 1)[1]])
    return prop


def _allowed(prop: dict[str, Any], depth: int = 0) -> list[str]:
    """Every enum value and boolean the property's schema allows, in order, once."""
    prop = _resolve(prop)
    out: list[str] = []
    if depth > 8:
        return out
    for v in prop.get("enum", []):
        out.append(str(v).lower() if isinstance(v, bool) else str(v))
    if prop.get("type") == "boolean":
        out += ["true", "false"]
    for option in prop.get("anyOf", []) + prop.get("oneOf", []):
        out += _allowed(option, depth + 1)
    return list(dict.fromkeys(out))


__all__ = ["Item", "complete"]
