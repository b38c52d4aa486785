"""Located YAML nodes -> an `Architecture`: top-level keys, vars, blocks, input, expectations.

Layer lists stay as nodes here; `graph.build` expands them (blocks, repeat, composites) because
expanding needs the shapes flowing through (`shortcut: auto`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import escape, expr
from .errors import CnnError, Location
from .layers import KIND_ALIASES, KINDS
from .source import Node
from .suggest import did_you_mean
from .values import Frozen, Record, init

TOP_KEYS = ("name", "reference", "input", "vars", "blocks", "layers", "expect")
COMPOSITES = ("residual", "parallel")
EXPECT_KEYS = ("params", "trainable", "buffers", "macs", "activations", "output")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Block(Frozen):
    __slots__ = ("name", "args", "layers", "loc")
    name: str
    args: dict[str, Node | None]  # None: required
    layers: Node
    loc: Location

    def __init__(self, name: str, args: dict[str, Node | None], layers: Node, loc: Location) -> None:
        init(self, "name", name)
        init(self, "args", args)
        init(self, "layers", layers)
        init(self, "loc", loc)


class Expectation(Frozen):
    """One `expect` entry: an exact value, or a {min, max} budget."""

    __slots__ = ("key", "loc", "exact", "low", "high")
    key: str
    loc: Location
    exact: Any
    low: int | None
    high: int | None

    def __init__(self, key: str, loc: Location, exact: Any = None, low: int | None = None,
                 high: int | None = None) -> None:
        init(self, "key", key)
        init(self, "loc", loc)
        init(self, "exact", exact)
        init(self, "low", low)
        init(self, "high", high)

    def check(self, actual: Any) -> bool:
        if not _concrete(actual):
            return True  # a symbolic size cannot be checked against a number (see `constraints`)
        if self.exact is not None:
            return tuple(actual) == tuple(self.exact) if self.key == "output" else actual == self.exact
        return (self.low is None or actual >= self.low) and (self.high is None or actual <= self.high)

    def describe(self) -> str:
        if self.exact is not None:
            return show_value(self.exact)
        parts = []
        if self.low is not None:
            parts.append(f"at least {self.low:,}")
        if self.high is not None:
            parts.append(f"at most {self.high:,}")
        return " and ".join(parts)


def _concrete(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return all(isinstance(v, int) for v in value)
    return isinstance(value, int)


def show_value(value: Any) -> str:
    """An expected or found value in a message: 61,706 or 28x28x6 or [10]."""
    if isinstance(value, (tuple, list)):
        return "x".join(str(v) for v in value) if len(value) != 1 else f"[{value[0]}]"
    return f"{value:,}" if isinstance(value, int) else str(value)


class Architecture(Record):
    __slots__ = ("name", "reference", "input", "input_loc", "env", "blocks", "layers", "expect", "symbols",
                 "declared_input")  # fmt: skip
    name: str
    reference: str | None
    input: tuple[Any, ...]
    input_loc: Location
    env: dict[str, Any]
    blocks: dict[str, Block]
    layers: Node
    expect: list[Expectation]
    symbols: tuple[str, ...]
    # the file's own concrete input when --input replaced it (its `expect` was written for it)
    declared_input: tuple[int, ...] | None

    def __init__(self, name: str, reference: str | None, input: tuple[Any, ...], input_loc: Location,
                 env: dict[str, Any], blocks: dict[str, Block], layers: Node, expect: list[Expectation] | None = None,
                 symbols: tuple[str, ...] = (), declared_input: tuple[int, ...] | None = None) -> None:
        self.name = name
        self.reference = reference
        self.input = input
        self.input_loc = input_loc
        self.env = env
        self.blocks = blocks
        self.layers = layers
        self.expect = [] if expect is None else expect
        self.symbols = symbols
        self.declared_input = declared_input


def parse(
    root: Node,
    sets: Mapping[str, Any] | None = None,
    input_override: str | None = None,
) -> Architecture:
    """Check the top level and resolve vars, blocks and input; `sets` are `--set` values."""
    if not root.is_map:
        raise CnnError("an architecture file is a mapping with 'input' and 'layers'", root.loc)
    top = root.value
    for key, loc in root.key_locs.items():
        if key not in TOP_KEYS:
            hint = did_you_mean(key, TOP_KEYS) or f" (valid keys: {', '.join(TOP_KEYS)})"
            raise CnnError(f"unknown key '{key}'{hint}", loc)
    for key in ("input", "layers"):
        if key not in top:
            raise CnnError(f"missing required key '{key}'", root.loc)
    sets = dict(sets or {})
    if sets:
        _check_sets(root, sets, input_override)
    env = _vars(top.get("vars"), sets)
    for key, value in sets.items():
        env.setdefault(key, value)
    blocks = _blocks(top.get("blocks"))
    layers = top["layers"]
    if not layers.is_list or not layers.value:
        raise CnnError("'layers' must be a non-empty list", layers.loc)
    in_node = top["input"]
    try:
        dims_, symbols = parse_input(input_override if input_override else in_node, env, in_node.loc)
    except CnnError as exc:
        if not input_override:
            raise
        # the problem is in the option, not at the file's `input:` line
        raise CnnError(f"--input '{input_override}': {exc.message}") from None
    declared = None
    if input_override:
        try:
            own, own_symbols = parse_input(in_node, env, in_node.loc)
        except CnnError:
            own, own_symbols = None, ("?",)
        declared = None if own_symbols or own is None else tuple(own)
    title = _text(top.get("name"), "name") or ""
    check_printable(title, top["name"].loc if "name" in top else root.loc, "network")
    return Architecture(
        name=title,
        reference=_text(top.get("reference"), "reference"),
        input=dims_,
        input_loc=in_node.loc,
        env=env,
        blocks=blocks,
        layers=layers,
        expect=parse_expect(top["expect"]) if "expect" in top else [],
        symbols=symbols,
        declared_input=declared,
    )


_REFERENCE = re.compile(r"\$\{([^}]*)\}|\$([A-Za-z_]\w*)")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _check_sets(root: Node, sets: Mapping[str, Any], input_override: str | None) -> None:
    """Every --set NAME must be a var of the file, a name its expressions read, or a symbolic
    size of its input (or of --input): a misspelt one would otherwise change nothing, silently."""
    known = settable(root, input_override)
    for key in sets:
        if key not in known:
            names = sorted(known)
            hint = did_you_mean(key, names) or (f" (it has: {', '.join(names)})" if names else
                                                " (it has no vars and no symbolic size)")
            raise CnnError(f"--set {key}: the file has no var or symbolic size named '{key}'{hint}",
                           root.key_locs.get("vars", root.loc))


def settable(root: Node, input_override: str | None = None) -> set[str]:
    """The names --set may give: vars, names the expressions read (block arguments aside), and
    the symbolic sizes of the input or of --input."""
    if not root.is_map:
        return set()
    known: set[str] = set()
    top = root.value
    args: set[str] = set()  # block arguments: read as $name, but given by each use, never by --set
    if "blocks" in top and top["blocks"].is_map:
        for block in top["blocks"].value.values():
            if block.is_map and "args" in block.value and block.value["args"].is_map:
                args.update(block.value["args"].value)
    stack = [root]
    while stack:
        n = stack.pop()
        if isinstance(n.value, dict):
            stack.extend(n.value.values())
        elif isinstance(n.value, list):
            stack.extend(n.value)
        elif isinstance(n.value, str) and "$" in n.value:
            for expr, name in _REFERENCE.findall(n.value):
                known.update(_IDENTIFIER.findall(expr) if expr else [name])
    known -= args
    if "vars" in top and top["vars"].is_map:
        known.update(top["vars"].value)
    sizes = [top["input"].plain()] if "input" in top else []
    if input_override:
        sizes.append(input_override)
    for size in sizes:
        items = size if isinstance(size, list) else _SIZE_SPLIT.split(str(size))
        known.update(s.strip() for s in items if isinstance(s, str) and _NAME.fullmatch(s.strip()))
    return known


def _text(n: Node | None, key: str) -> str | None:
    if n is None or n.value is None:
        return None
    if isinstance(n.value, (dict, list)):
        raise CnnError(f"'{key}' must be text", n.loc)
    return str(n.value)


def _vars(n: Node | None, sets: Mapping[str, Any]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    if n is None or n.value is None:
        return env
    if not n.is_map:
        raise CnnError("'vars' must be a mapping of names to values", n.loc)
    for name, value in n.value.items():
        _check_name(name, n.key_locs[name], "variable")
        env[name] = sets[name] if name in sets else resolve(value, env)
    return env


def check_printable(name: str, loc: Location, what: str) -> None:
    """Reject a name holding a control character (Unicode Cc, Cf, Zl, Zp) where it is read:
    names are written into tables, diagnostics, diagrams and generated code."""
    bad = escape.control_character(name)
    if bad is not None:
        raise CnnError(
            f"{what} name '{escape.visible(name)}' holds a control character (U+{ord(bad):04X}); "
            "names are printed in tables, diagrams and code, so they must be printable text",
            loc,
        )


def _check_name(name: str, loc: Location, what: str) -> None:
    check_printable(name, loc, what)
    if not _NAME.fullmatch(name):
        raise CnnError(f"'{name}' is not a valid {what} name (letters, digits, _)", loc)


def _blocks(n: Node | None) -> dict[str, Block]:
    blocks: dict[str, Block] = {}
    if n is None or n.value is None:
        return blocks
    if not n.is_map:
        raise CnnError("'blocks' must be a mapping of block names to definitions", n.loc)
    for name, body in n.value.items():
        loc = n.key_locs[name]
        _check_name(name, loc, "block")
        if name in KINDS or name in KIND_ALIASES or name in COMPOSITES:
            raise CnnError(f"block name '{name}' is already a layer type", loc)
        if not body.is_map:
            raise CnnError(f"block '{name}' must be a mapping with 'layers' (and 'args')", body.loc)
        for key, kloc in body.key_locs.items():
            if key not in ("args", "layers"):
                raise CnnError(f"unknown key '{key}' in block '{name}'{did_you_mean(key, ('args', 'layers'))}", kloc)
        if "layers" not in body.value:
            raise CnnError(f"block '{name}' has no 'layers'", body.loc)
        layers = body.value["layers"]
        if not layers.is_list or not layers.value:
            raise CnnError(f"'layers' of block '{name}' must be a non-empty list", layers.loc)
        args: dict[str, Node | None] = {}
        args_node = body.value.get("args")
        if args_node is not None and args_node.value is not None:
            if not args_node.is_map:
                raise CnnError(f"'args' of block '{name}' must be a mapping of names to defaults", args_node.loc)
            for arg, default in args_node.value.items():
                _check_name(arg, args_node.key_locs[arg], "argument")
                args[arg] = None if default.value is None else default
        blocks[name] = Block(name, args, layers, loc)
    return blocks


def resolve(n: Node, env: Mapping[str, Any]) -> Any:
    """The plain value of a node, with `$name` and `${expr}` substituted (in lists too)."""
    v = n.value
    if isinstance(v, str) and v.startswith("$"):
        try:
            return expr.substitute(v, env)
        except CnnError as exc:
            raise exc.located(n.loc) from None
    if isinstance(v, list):
        return [resolve(item, env) for item in v]
    if isinstance(v, dict):
        return {k: resolve(item, env) for k, item in v.items()}
    return v


_SIZE_SPLIT = re.compile(r"\s*[x×X,]\s*")


def parse_input(n: Node | str, env: Mapping[str, Any], loc: Location) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """`[32, 32, 1]`, `32x32x1` or `[H, W, 3]` (names not in vars become symbols)."""
    if isinstance(n, str):
        items: list[Any] = [s for s in _SIZE_SPLIT.split(n.strip()) if s]
    else:
        loc = n.loc
        raw = resolve(n, env)
        items = _SIZE_SPLIT.split(raw.strip()) if isinstance(raw, str) else raw
        if isinstance(items, int) and not isinstance(items, bool):
            items = [items]
    if not isinstance(items, list) or len(items) not in (1, 3):
        raise CnnError("'input' must be [n_H, n_W, n_C] (or [units]), such as [32, 32, 1] or 32x32x1", loc)
    out: list[Any] = []
    symbols: list[str] = []
    for item in items:
        if isinstance(item, str):
            text = item.strip()
            if text.isdigit():
                item = int(text)
            elif _NAME.fullmatch(text):
                if text in env:
                    item = env[text]
                else:
                    symbols.append(text)
                    from .symbolic import symbol

                    item = symbol(text)
            else:
                raise CnnError(f"input size '{text}' is neither an integer nor a name", loc)
        if isinstance(item, bool) or not (isinstance(item, int) or type(item).__module__.startswith("sympy")):
            raise CnnError(f"input size {item!r} is not an integer", loc)
        if isinstance(item, int) and not 0 < item <= 10**9:
            raise CnnError(f"input size {item} must be a positive integer (at most 10^9)", loc)
        out.append(item)
    return tuple(out), tuple(symbols)


# ---- expectations -----------------------------------------------------------------------

_AMOUNT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*")
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}


def parse_amount(value: Any, loc: Location) -> int:
    """61706, "61,706", "61_706", 5M, 2.5M (K, M, G = 10^3, 10^6, 10^9)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        m = _AMOUNT.fullmatch(value.replace(",", "").replace("_", ""))
        if m:  # decimal arithmetic: as floats, 4.1 x 10^6 = 4099999.9999999995 was "not a count"
            from decimal import Decimal

            number = Decimal(m.group(1)) * _SCALE[m.group(2).lower()]
            if number == number.to_integral_value():
                return int(number)
    shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else repr(value)
    raise CnnError(f"expected a count such as 61706, 61_706, 5M or 1.5K, got {shown}", loc)


def parse_shape_value(value: Any, loc: Location) -> tuple[int, ...]:
    given = repr(value) if isinstance(value, str) else value  # the error repeats what was written
    if isinstance(value, str):
        value = [v for v in _SIZE_SPLIT.split(value.strip().strip("[]()")) if v]
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, list) and value and len(value) in (1, 3):
        try:
            return tuple(int(str(v).strip()) for v in value)
        except ValueError:
            pass
    raise CnnError(f"expected a shape such as [28, 28, 6], 28x28x6 or [10], got {given}", loc)


def parse_expect(n: Node, env: Mapping[str, Any] | None = None) -> list[Expectation]:
    if not n.is_map:
        raise CnnError(f"'expect' must be a mapping with keys {', '.join(EXPECT_KEYS)}", n.loc)
    out = []
    for key, item in n.value.items():
        loc = n.key_locs[key]
        if key not in EXPECT_KEYS:
            raise CnnError(f"unknown expectation '{key}'{did_you_mean(key, EXPECT_KEYS)}", loc)
        value = resolve(item, env or {})
        if key == "output":
            out.append(Expectation(key, loc, exact=parse_shape_value(value, item.loc)))
        elif isinstance(value, dict):
            for bound in value:
                if bound not in ("min", "max"):
                    raise CnnError(f"a budget takes 'min' and 'max', not '{bound}'", item.key_locs[bound])
            low = parse_amount(value["min"], item.value["min"].loc) if "min" in value else None
            high = parse_amount(value["max"], item.value["max"].loc) if "max" in value else None
            if low is None and high is None:
                raise CnnError("a budget needs 'min' or 'max'", item.loc)
            if low is not None and high is not None and low > high:  # no count could pass
                raise CnnError(f"a budget's min ({low:,}) is larger than its max ({high:,})", item.loc)
            out.append(Expectation(key, loc, low=low, high=high))
        else:
            out.append(Expectation(key, loc, exact=parse_amount(value, item.loc)))
    return out
