"""One `- TYPE: {...}` entry of a layer list: its type, arguments and common keys, read and
checked without shapes. Shared by the spec resolver (`tree`) and `validate`, which collects every
problem of an entry instead of stopping at the first.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from .errors import CnnError, Location
from .layers import KEY_ALIASES, KIND_ALIASES, KINDS, Layer
from .layers.base import ArgError
from .source import Node
from .spec import COMPOSITES, Block, check_printable, resolve
from .suggest import did_you_mean
from .values import Record

# ResNet-1202, the deepest network in common use, has about 4,200 leaf layers; generated networks
# of 100,000 layers must still work (about 50 us each: a few seconds). The count is made before
# anything is built, so a `repeat` of 10^12 or nested repeats over the limit fail at once.
MAX_LAYERS = 200_000
MAX_BLOCK_DEPTH = 32
COMMON_KEYS = ("name", "from", "repeat", "trainable", "expect", "shares")
INPUT = "input"


class Entry(Record):
    """One `- TYPE: {...}` item, split into its type, its own arguments and the common keys."""

    __slots__ = ("kind", "kind_loc", "args", "arg_locs", "common", "loc", "preset")
    kind: str
    kind_loc: Location
    args: dict[str, Node]
    arg_locs: dict[str, Location]
    common: dict[str, Node]
    loc: Location
    preset: dict[str, Any]

    def __init__(self, kind: str, kind_loc: Location, args: dict[str, Node], arg_locs: dict[str, Location],
                 common: dict[str, Node], loc: Location, preset: dict[str, Any]) -> None:
        self.kind = kind
        self.kind_loc = kind_loc
        self.args = args
        self.arg_locs = arg_locs
        self.common = common
        self.loc = loc
        self.preset = preset


def split(item: Node, blocks: Mapping[str, Block]) -> Entry:
    """An entry's type (aliases applied), its own arguments and its common keys."""
    if isinstance(item.value, str):
        kind, kind_loc, args_node = item.value, item.loc, None
    elif item.is_map and len(item.value) == 1:
        kind = next(iter(item.value))
        kind_loc, args_node = item.key_locs[kind], item.value[kind]
    elif item.is_map:
        raise CnnError(
            f"a layer entry has exactly one key, its type; found {len(item.value)}: "
            f"{', '.join(item.value)} (indent the arguments under the type)",
            item.loc,
        )
    else:
        raise CnnError("a layer entry is '- TYPE' or '- TYPE: {arguments}'", item.loc)
    preset: dict[str, Any] = {}
    if kind in KIND_ALIASES:
        kind, preset = KIND_ALIASES[kind][0], dict(KIND_ALIASES[kind][1])
    if kind not in KINDS and kind not in COMPOSITES and kind not in blocks:
        known = [*KINDS, *KIND_ALIASES, *COMPOSITES, *blocks]
        raise CnnError(f"unknown layer type '{kind}'{did_you_mean(kind, known)}", kind_loc)
    args: dict[str, Node] = {}
    arg_locs: dict[str, Location] = {}
    if args_node is None or args_node.value is None:
        pass
    elif args_node.is_map:
        for key, value in args_node.value.items():
            key_loc = args_node.key_locs[key]
            key = KEY_ALIASES.get(key, key)
            if key in args:
                raise CnnError(f"'{key}' is given twice (once as an alias)", key_loc)
            args[key], arg_locs[key] = value, key_loc
    elif kind in KINDS and KINDS[kind].cls.MAIN_ARG:
        main = KINDS[kind].cls.MAIN_ARG
        args[main], arg_locs[main] = args_node, args_node.loc
    elif args_node.is_list and kind not in KINDS:
        raise CnnError(f"'{kind}' takes a mapping of arguments, not a list", args_node.loc)
    else:
        raise CnnError(f"'{kind}' takes a mapping of arguments such as {{key: value}}", args_node.loc)
    common = {k: args.pop(k) for k in COMMON_KEYS if k in args}
    for k in common:
        del arg_locs[k]
    return Entry(kind, kind_loc, args, arg_locs, common, item.loc, preset)


def common_values(
    entry: Entry, env: Mapping[str, Any], problems: list[CnnError] | None = None
) -> tuple[int, str | None, bool]:
    """`repeat`, `name` and `trainable` of an entry (defaults 1, None, True). Each bad one
    raises, or, when `problems` is given, is appended there and its default used."""
    repeat, explicit, trainable = 1, None, True

    def bad(message: str, node: Node) -> None:
        if problems is None:
            raise CnnError(message, node.loc)
        problems.append(CnnError(message, node.loc))

    try:
        if "repeat" in entry.common:
            node = entry.common["repeat"]
            value = resolve(node, env)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:  # 0: no copies
                bad(f"'repeat' must be 0 (no copies) or a positive integer, got {value!r}", node)
            elif value > MAX_LAYERS:
                bad(f"repeat {value:,} is more than the limit of {MAX_LAYERS:,} layers", node)
            else:
                repeat = value
        if "name" in entry.common:
            node = entry.common["name"]
            value = resolve(node, env)
            if not isinstance(value, str) or not value or "." in value or value == INPUT:
                bad(f"'name' must be a word without dots (and not 'input'), got {value!r}", node)
            else:
                check_printable(value, node.loc, "layer")  # in `validate`, reported by the except below
                explicit = value
        if "trainable" in entry.common:
            node = entry.common["trainable"]
            value = resolve(node, env)
            if not isinstance(value, bool):
                bad(f"'trainable' must be true or false, got {value!r}", node)
            else:
                trainable = value
    except CnnError as exc:  # an expression that cannot be worked out
        if problems is None:
            raise
        problems.append(exc)
    return repeat, explicit, trainable



@functools.cache
def _field_names(cls: type[Layer]) -> frozenset[str]:
    return frozenset(cls.FIELDS)


def make_layer(entry: Entry, env: Mapping[str, Any], problems: list[CnnError] | None = None) -> Layer | None:
    """The layer an entry of a leaf kind describes. Each bad key or value raises, or, when
    `problems` is given, is appended there (so `validate` can report them all) and None returned."""
    kind = KINDS[entry.kind]
    cls = kind.cls
    kwargs = dict(kind.preset)
    kwargs.update(entry.preset)
    found: list[CnnError] = []
    for key, node in entry.args.items():
        try:
            if key not in cls.ARGS:
                hint = did_you_mean(key, [*cls.ARGS, *COMMON_KEYS])
                valid = ", ".join([*cls.ARGS, *COMMON_KEYS])
                raise CnnError(
                    f"unknown key '{key}' for {entry.kind}{hint or f' (valid keys: {valid})'}",
                    entry.arg_locs[key],
                )
            try:
                kwargs[key] = cls.ARGS[key].parse(resolve(node, env))
            except ArgError as exc:
                raise CnnError(f"{entry.kind} '{key}': {exc}", node.loc) from None
        except CnnError as exc:
            if problems is None:
                raise
            found.append(exc)
    for key, arg in cls.ARGS.items():
        if key not in kwargs and key not in entry.args:
            if arg.required:
                exc = CnnError(f"{entry.kind} needs '{key}' ({arg.doc})", entry.kind_loc)
                if problems is None:
                    raise exc
                found.append(exc)
            elif arg.default is not None or key in _field_names(cls):
                kwargs.setdefault(key, arg.default)
    if found:
        assert problems is not None
        problems.extend(found)
        return None
    try:
        return cls(**kwargs)
    except ArgError as exc:
        error = CnnError(f"{entry.kind}: {exc}", entry.kind_loc)
        if problems is None:
            raise error from None
        problems.append(error)
        return None



def unknown_keys(entry: Entry, allowed: tuple[str, ...]) -> list[CnnError]:
    """A composite's arguments that it does not take."""
    return [
        CnnError(f"unknown key '{key}' for {entry.kind}{did_you_mean(key, [*allowed, *COMMON_KEYS])}",
                 entry.arg_locs[key])
        for key in entry.args
        if key not in allowed
    ]
