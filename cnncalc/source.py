"""YAML text -> a tree of `Node`s that remember their line and column.

The tree is built from PyYAML's event stream rather than its composer so that nothing is ever
constructed from a tag, recursion depth is ours to bound, and YAML aliases cannot expand into
unbounded work ("billion laughs"): every node knows its expanded size, and the document's total
is capped.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import CnnError, Location
from .values import Record

try:  # libyaml's parser is several times faster and keeps the same marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 100
# Loading costs a few microseconds per value, so this also bounds the time to reject a file of
# millions of layers or keys (well under a second); real networks, written with blocks and
# `repeat`, need a few thousand values.
MAX_EXPANDED_NODES = 100_000
MAX_INT_DIGITS = 30
_NESTING = (" (each residual adds 3 levels and each parallel 4, so residuals nest up to 32 deep and"
            " parallels up to 24; write long chains with `repeat: N` or blocks, which add no nesting)")
MAX_LAYERS = 200_000  # entries.MAX_LAYERS, the layers a network may expand to (repeat included)

_RESOLVER = yaml.resolver.Resolver()
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_PLAIN_AS_STR = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"}


class Node(Record):
    """A YAML value with its location; mappings keep each key's location too. Two nodes are equal
    only when they are the same node (`==` is identity, as `hash`)."""

    __slots__ = ("value", "loc", "key_locs", "size")
    value: Any  # dict[str, Node] | list[Node] | str | int | float | bool | None
    loc: Location
    key_locs: dict[str, Location]
    size: int  # nodes in this subtree once aliases are expanded

    def __init__(self, value: Any, loc: Location, key_locs: dict[str, Location] | None = None, size: int = 1) -> None:
        self.value = value
        self.loc = loc
        self.key_locs = {} if key_locs is None else key_locs
        self.size = size

    __eq__ = object.__eq__
    __hash__ = object.__hash__  # type: ignore[assignment]

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> Any:
        """The value without locations (for tests and messages)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def node(value: Any, loc: Location) -> Node:
    """Wrap plain Python data (as importers and the CLI build it) in Nodes at one location."""
    if isinstance(value, Node):
        return value
    if isinstance(value, dict):
        items = {str(k): node(v, loc) for k, v in value.items()}
        return Node(items, loc, {k: loc for k in items}, 1 + sum(v.size for v in items.values()))
    if isinstance(value, (list, tuple)):
        items_l = [node(v, loc) for v in value]
        return Node(items_l, loc, size=1 + sum(v.size for v in items_l))
    return Node(value, loc)


def decode(data: bytes, filename: str) -> str:
    """UTF-8 bytes -> text; a bad byte is reported at its line and column."""
    if len(data) > MAX_BYTES:
        raise CnnError(f"file is larger than the limit of {MAX_BYTES:,} bytes", Location(filename, 1, 1))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CnnError(
            f"file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
            # latin-1 maps each byte to one character: the column counts bytes, as before
            _offset_loc(data[: exc.start].decode("latin-1"), exc.start, filename),
        ) from None


def _offset_loc(text: str, at: int, filename: str) -> Location:
    """The line and column of the character at offset `at`."""
    return Location(filename, text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at))


def load(text: str, filename: str) -> Node:
    """Parse one YAML document into located Nodes; every problem is a located CnnError."""
    builder = _Builder(filename)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _loc(filename, mark) if mark is not None else Location(filename)
        hint = ""
        if mark is not None and text[mark.index : mark.index + 1] == "\t":
            hint = " (a tab: indent with spaces)"
        problem = str(exc.problem or exc.context)
        if "nesting depth" in problem:  # libyaml >= 0.2.5 (PyYAML 6.0.4 wheels) has a limit of its own
            raise CnnError(f"nesting deeper than {MAX_DEPTH} levels of YAML{_NESTING}", loc) from None
        raise CnnError(f"invalid YAML: {problem}{hint}", loc) from None
    except yaml.reader.ReaderError:
        raise _unprintable(text, filename) from None
    except UnicodeEncodeError as exc:  # a lone surrogate: only from a str built in Python, never a file
        raise CnnError(
            f"invalid text: U+{ord(text[exc.start]):04X} is not a Unicode character",
            _offset_loc(text, exc.start, filename),
        ) from None
    except yaml.YAMLError as exc:
        raise CnnError(f"invalid YAML: {' '.join(str(exc).split())}", Location(filename)) from None
    if builder.root is None:
        raise CnnError("the file is empty", Location(filename))
    return builder.root


def _unprintable(text: str, filename: str) -> CnnError:
    """A control character YAML refuses, found again here: libyaml reports a byte offset and
    PyYAML a character offset, and both messages span two lines."""
    found = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if found is None:  # pragma: no cover - the reader only fails on such a character
        return CnnError("invalid YAML: a character that is not allowed", Location(filename))
    at = found.start()
    return CnnError(
        f"invalid YAML: control character U+{ord(text[at]):04X} is not allowed", _offset_loc(text, at, filename)
    )


def _loc(filename: str, mark: Any) -> Location:
    return Location(filename, mark.line + 1, mark.column + 1)


class _Builder:
    """Turns parser events into Nodes with an explicit stack (no recursion)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.stack: list[tuple[Node, str | None, list[Any]]] = []  # node, anchor, pending key
        self.anchors: dict[str, Node] = {}
        self.root: Node | None = None
        self.documents = 0
        self.total = 0
        self.merged: dict[int, set[str]] = {}  # id(mapping) -> keys that came from '<<'

    def feed(self, event: yaml.Event) -> None:
        if type(event) is yaml.ScalarEvent:  # the most common event first
            self._add(self._scalar(event), event.anchor, event)
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise CnnError(
                    "expected one YAML document, found a second one",
                    _loc(self.filename, event.start_mark),
                )
        elif isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is None:
                raise CnnError(
                    f"alias *{event.anchor} refers to an unknown anchor or to itself",
                    _loc(self.filename, event.start_mark),
                )
            self._add(target, None, event)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self._check_tag(event.tag, _SEQ if isinstance(event, yaml.SequenceStartEvent) else _MAP, event)
            if len(self.stack) >= MAX_DEPTH:
                raise CnnError(
                    f"nesting deeper than {MAX_DEPTH} levels of YAML{_NESTING}", _loc(self.filename, event.start_mark)
                )
            value: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
            self.stack.append((Node(value, _loc(self.filename, event.start_mark)), event.anchor, []))
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            done, anchor, _ = self.stack.pop()
            children = done.value.values() if isinstance(done.value, dict) else done.value
            done.size = 1 + sum(c.size for c in children)
            self._add(done, anchor, event, counted=True)

    def _too_big(self) -> str:
        """The value limit said in layers, with the forms that get past it."""
        if self.anchors:
            return f"the document expands to more than {MAX_EXPANDED_NODES:,} values (YAML aliases repeated too often?)"
        lists = [n for n, _, _ in self.stack if isinstance(n.value, list)]
        at = f", at layer entry {len(lists[0].value) + 1:,}" if lists else ""
        return (f"the document expands to more than {MAX_EXPANDED_NODES:,} values{at}: a layer written "
                "out costs 3 values plus one per key (20,000 layers such as `- conv: {filters: 8, f: 3}`, "
                "14,000 of four keys); write runs of layers with `repeat: N` (or a block used with "
                f"repeat), which count once however many copies they make (up to {MAX_LAYERS:,} "
                "layers in all)")

    def _add(self, item: Node, anchor: str | None, event: Any, counted: bool = False) -> None:
        if not counted:
            self.total += item.size
        elif len(self.stack) == 0:
            self.total = item.size
        if self.total > MAX_EXPANDED_NODES or item.size > MAX_EXPANDED_NODES:
            raise CnnError(self._too_big(), _loc(self.filename, event.start_mark))
        if anchor is not None:
            self.anchors[anchor] = item
        if not self.stack:
            self.root = item
            return
        parent, _, pending = self.stack[-1]
        if isinstance(parent.value, list):
            parent.value.append(item)
        elif not pending:
            if isinstance(item.value, (dict, list)):
                raise CnnError("a mapping key must be a plain value", item.loc)
            if isinstance(item.value, bool) and type(event) is yaml.ScalarEvent:
                item = Node(event.value, item.loc)  # YAML 1.1 reads a key `on:` as True: keep the word
            pending.append(item)
        else:
            key_node = pending.pop()
            key = "null" if key_node.value is None else str(key_node.value)
            if key == "<<" and key_node.value == "<<":
                self._merge(parent, item)
            elif key in self.merged.get(id(parent), ()):  # an explicit key overrides a merged one
                self.merged[id(parent)].discard(key)
                parent.value[key] = item
                parent.key_locs[key] = key_node.loc
            elif key in parent.value:
                first = parent.key_locs[key]
                raise CnnError(
                    f"duplicate key '{key}' (first at line {first.line}, column {first.col})",
                    key_node.loc,
                )
            else:
                parent.value[key] = item
                parent.key_locs[key] = key_node.loc

    def _merge(self, parent: Node, item: Node) -> None:
        """YAML merge keys (`<<: *defaults`): keys already present win."""
        sources = item.value if isinstance(item.value, list) else [item]
        for src in sources:
            if not isinstance(src.value, dict):
                raise CnnError("'<<' merges only mappings", src.loc)
            for k, v in src.value.items():
                if k not in parent.value:
                    parent.value[k] = v
                    parent.key_locs[k] = src.key_locs.get(k, src.loc)
                    self.merged.setdefault(id(parent), set()).add(k)

    def _check_tag(self, tag: str | None, default: str, event: Any) -> None:
        if tag not in (None, "!", default):
            raise CnnError(
                f"YAML tag '{tag}' is not allowed (cnncalc files are plain data)",
                _loc(self.filename, event.start_mark),
            )

    def _scalar(self, event: yaml.ScalarEvent) -> Node:
        loc = _loc(self.filename, event.start_mark)
        tag = event.tag
        if tag in (None, "!"):
            tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
        else:
            self._check_tag(tag, tag if tag in (_NULL, _BOOL, _INT, _FLOAT, _STR) else _STR, event)
        text = event.value
        if tag == _STR or tag in _PLAIN_AS_STR:
            return Node(text, loc)
        if tag == _NULL:
            return Node(None, loc)
        if tag == _BOOL:
            return Node(text.lower() in ("yes", "true", "on", "y"), loc)
        if tag == _INT:
            return Node(_parse_int(text, loc), loc)
        if tag == _FLOAT:
            return Node(_parse_float(text, loc), loc)
        raise CnnError(f"YAML tag '{tag}' is not allowed", loc)  # pragma: no cover


_INT_RE = re.compile(r"[-+]?[0-9_]+")


def _parse_int(text: str, loc: Location) -> int:
    digits = text.replace("_", "").lstrip("+-")
    if len(digits) > MAX_INT_DIGITS:
        raise CnnError(f"integer with {len(digits)} digits is too large", loc)
    try:
        if _INT_RE.fullmatch(text):
            return int(text.replace("_", ""), 10)
        # hex, octal, binary and sexagesimal forms of YAML 1.1
        return int(yaml.constructor.SafeConstructor().construct_yaml_int(yaml.ScalarNode(_INT, text)))
    except ValueError:
        raise CnnError(f"'{text}' is not a valid integer", loc) from None


def _parse_float(text: str, loc: Location) -> float:
    try:
        return float(yaml.constructor.SafeConstructor().construct_yaml_float(yaml.ScalarNode(_FLOAT, text)))
    except ValueError:
        raise CnnError(f"'{text}' is not a valid number", loc) from None
