"""Architecture -> DAG of leaf layers in execution order, with shapes.

Blocks, `repeat`, residual and parallel composites are expanded here; names are given (dotted
inside composites) and `from` is resolved. Each leaf's output shape is inferred as it is added,
because expansion itself needs shapes (`shortcut: auto` depends on the main path's output).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import CnnError, Location, ShapeError
from .layers import KEY_ALIASES, KIND_ALIASES, KINDS, Cost, Layer, Shape
from .layers.base import ArgError, format_shape
from .layers.conv import Conv
from .layers.norm import BatchNorm
from .source import Node
from .spec import COMPOSITES, Architecture, Block, Expectation, check_printable, parse_expect, resolve
from .suggest import did_you_mean, nearest

# ResNet-1202, the deepest network in common use, has about 4,200 leaf layers; generated networks
# of 100,000 layers must still work (about 50 us each: a few seconds). The count is made before
# anything is built, so a `repeat` of 10^12 or nested repeats over the limit fail at once.
MAX_LAYERS = 200_000
MAX_BLOCK_DEPTH = 32
# Symbolic sizes cost sympy work per layer (up to ~0.1 s for nested ceilings), so a long
# symbolic network could run for minutes: past this budget it stops with a located error.
SYMBOLIC_SECONDS = 30.0
COMMON_KEYS = ("name", "from", "repeat", "trainable", "expect")
INPUT = "input"


@dataclass(slots=True)
class Leaf:
    """One row of the summary: a layer, what it reads, and what it computed."""

    name: str
    kind: str  # as shown: 'conv', 'relu', 'add', ...
    layer: Layer
    inputs: tuple[str, ...]
    loc: Location
    trainable: bool
    groups: tuple[str, ...]  # enclosing composite/block names, outermost first
    cost: Cost
    expect: list[Expectation] = field(default_factory=list)

    @property
    def output(self) -> Shape:
        return self.cost.output


@dataclass(slots=True)
class Group:
    """A block instance, residual, parallel, or one of their bodies: folded by `--depth`."""

    name: str
    kind: str
    loc: Location
    expect: list[Expectation] = field(default_factory=list)


@dataclass(slots=True)
class Graph:
    input: Shape
    leaves: list[Leaf]
    groups: dict[str, Group]
    output: str  # name of the last leaf
    # built once: shape_of is called per row (conventions), and a fresh dict each call was O(n^2)
    by_name: dict[str, Leaf] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_name = {leaf.name: leaf for leaf in self.leaves}

    def shape_of(self, name: str) -> Shape:
        return self.input if name == INPUT else self.by_name[name].output


@dataclass(slots=True)
class _Scope:
    """A body being expanded: its name prefix, its input, and the names it has given."""

    prefix: str  # '' at the top level, else 'basic1.main.'
    input: str
    env: dict[str, Any]
    parent: _Scope | None
    groups: tuple[str, ...]
    trainable: bool
    blocks_in_use: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)  # local name -> output leaf name
    counters: dict[str, int] = field(default_factory=dict)

    def next_name(self, base: str) -> str:
        # a type ending in a digit gets an underscore: relu6_1, not relu61
        sep = "_" if base[-1:].isdigit() else ""
        n = self.counters.get(base, 0) + 1
        while f"{base}{sep}{n}" in self.names:  # skip names the file gave explicitly
            n += 1
        self.counters[base] = n
        return f"{base}{sep}{n}"


def build(arch: Architecture) -> Graph:
    check_size(arch)
    builder = _Builder(arch)
    top = _Scope("", INPUT, arch.env, None, (), True)
    out = builder.body(arch.layers, top)
    if not builder.leaves:
        raise CnnError("the network has no layers", arch.layers.loc)
    return Graph(arch.input, builder.leaves, builder.groups, out)


@dataclass(slots=True)
class _Entry:
    """One `- TYPE: {...}` item, split into its type, its own arguments and the common keys."""

    kind: str
    kind_loc: Location
    args: dict[str, Node]
    arg_locs: dict[str, Location]
    common: dict[str, Node]
    loc: Location
    preset: dict[str, Any]


class _Builder:
    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        self.leaves: list[Leaf] = []
        self.shapes: dict[str, Shape] = {INPUT: arch.input}
        self.groups: dict[str, Group] = {}
        self.global_names: dict[str, str] = {}  # full dotted name -> output leaf name
        self.deadline = time.monotonic() + SYMBOLIC_SECONDS if arch.symbols else None

    # ---- bodies and entries ------------------------------------------------------------

    def body(self, items: Node, scope: _Scope, collapse_into: str | None = None) -> str:
        """Expand a list of entries; returns the name of the body's output."""
        if not items.is_list:
            raise CnnError("expected a list of layers", items.loc)
        current = scope.input
        single = len(items.value) == 1
        for item in items.value:
            entry = self.entry(item, scope)
            name_here = collapse_into if single and collapse_into and self._is_composite(entry) else None
            current = self.place(entry, scope, current, name_here)
        return current

    def _is_composite(self, entry: _Entry) -> bool:
        if "name" in entry.common or "repeat" in entry.common:
            return False
        return entry.kind in COMPOSITES or entry.kind in self.arch.blocks

    def entry(self, item: Node, scope: _Scope) -> _Entry:
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
        if kind not in KINDS and kind not in COMPOSITES and kind not in self.arch.blocks:
            known = [*KINDS, *KIND_ALIASES, *COMPOSITES, *self.arch.blocks]
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
        return _Entry(kind, kind_loc, args, arg_locs, common, item.loc, preset)

    def place(self, entry: _Entry, scope: _Scope, current: str, name_here: str | None) -> str:
        """Add an entry (all its repeats) after `current`; returns the new output."""
        repeat, explicit, own_trainable = common_values(entry, scope.env)
        if repeat > 1 and entry.kind in KINDS and KINDS[entry.kind].cls.MIN_INPUTS > 1:
            raise CnnError(
                f"{entry.kind} cannot repeat: the copies after the first read only the copy before "
                f"them, and {entry.kind} reads 2 or more inputs",
                entry.common["repeat"].loc,
            )
        sources = None
        if "from" in entry.common:
            sources = self.resolve_from(entry.common["from"], scope)
        trainable = scope.trainable and own_trainable
        expect_node = entry.common.get("expect")
        expect = parse_expect(expect_node, scope.env) if expect_node is not None else []
        before = len(self.leaves)
        for i in range(repeat):
            if explicit is not None:
                local = explicit if repeat == 1 else f"{explicit}_{i + 1}"
            elif name_here is not None:
                local = None
            else:
                local = scope.next_name(entry.kind)
            inputs = sources if (sources is not None and i == 0) else [current]
            current = self.one(entry, scope, local, name_here, inputs, trainable, expect)
            if i == 0 and repeat > 1:
                per_copy = len(self.leaves) - before
                if before + per_copy * repeat > MAX_LAYERS:
                    raise CnnError(
                        f"repeat {repeat:,} of {per_copy:,} layer(s) makes more than "
                        f"{MAX_LAYERS:,} layers",
                        entry.common["repeat"].loc,
                    )
        return current

    def one(
        self, entry: _Entry, scope: _Scope, local: str | None, name_here: str | None,
        inputs: list[str], trainable: bool, expect: list[Expectation],
    ) -> str:
        full = name_here if name_here is not None else scope.prefix + str(local)
        if name_here is None and (full in self.global_names or full in self.groups):
            first = self.groups[full].loc if full in self.groups else self.by_name_loc(full)
            where = f" (first at line {first.line}, column {first.col})" if first is not None else ""
            if first == entry.kind_loc:  # one YAML node used twice: the alias's own place is not kept
                where = " (a YAML alias repeats a named entry: drop its name, or use repeat)"
            raise CnnError(f"duplicate layer name '{full}'{where}", entry.kind_loc)
        if entry.kind in KINDS:
            out = self.leaf(entry, scope, full, inputs, trainable, expect)
        else:
            if len(inputs) != 1:
                raise CnnError(f"'{entry.kind}' reads one input, got {len(inputs)}", entry.common["from"].loc)
            groups = scope.groups
            if name_here is None:  # a collapsed body's composite shares its owner's group
                self.groups[full] = Group(full, entry.kind, entry.kind_loc, expect)
                groups = (*groups, full)
            elif full in self.groups:  # ... and its expectations (copied: repeats share `expect`)
                self.groups[full].expect = [*self.groups[full].expect, *expect]
            if entry.kind == "residual":
                out = self.residual(entry, scope, full, inputs[0], trainable, groups)
            elif entry.kind == "parallel":
                out = self.parallel(entry, scope, full, inputs[0], trainable, groups)
            else:
                out = self.block(entry, scope, full, inputs[0], trainable, groups)
        if local is not None:
            scope.names[local] = out
        self.global_names[full] = out
        return out

    def by_name_loc(self, name: str) -> Location | None:
        return next((leaf.loc for leaf in self.leaves if leaf.name == name), None)

    # ---- leaves ------------------------------------------------------------------------

    def leaf(
        self, entry: _Entry, scope: _Scope, full: str, inputs: list[str], trainable: bool,
        expect: list[Expectation],
    ) -> str:
        cls = KINDS[entry.kind].cls
        layer = make_layer(entry, scope.env)
        assert layer is not None
        if not cls.MIN_INPUTS <= len(inputs) <= cls.MAX_INPUTS:
            where = entry.common["from"].loc if "from" in entry.common else entry.kind_loc
            need = f"{cls.MIN_INPUTS} or more" if cls.MAX_INPUTS > 1 else "exactly one"
            raise CnnError(
                f"{entry.kind} reads {need} input{'s' if cls.MAX_INPUTS > 1 else ''}, got "
                f"{len(inputs)}" + (" (list them in 'from')" if cls.MIN_INPUTS > 1 else ""),
                where,
            )
        return self.add(full, entry.kind, layer, inputs, entry.kind_loc, trainable, scope.groups, expect)

    def add(
        self, full: str, kind: str, layer: Layer, inputs: list[str], loc: Location,
        trainable: bool, groups: tuple[str, ...], expect: list[Expectation] | None = None,
    ) -> str:
        if len(self.leaves) >= MAX_LAYERS:
            raise CnnError(f"the network has more than {MAX_LAYERS:,} layers", loc)
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise CnnError(
                f"{full}: symbolic sizes took more than {SYMBOLIC_SECONDS:g} s to work out up to here; "
                "give concrete sizes with --input or --set",
                loc,
            )
        shapes = [self.shapes[i] for i in inputs]
        try:
            cost = layer.infer(shapes)
        except ShapeError as exc:
            received = f" (input {format_shape(shapes[0])})" if len(shapes) == 1 else ""
            if f"got {format_shape(shapes[0])}" in exc.message:  # the message already shows it
                received = ""
            raise CnnError(f"{full}: {exc.message}{received}", loc) from None
        for d in cost.output:
            if isinstance(d, int) and d <= 0:
                raise CnnError(
                    f"{full}: output {format_shape(cost.output)} has a size that is not positive "
                    f"(input {', '.join(format_shape(s) for s in shapes)})",
                    loc,
                )
        self.leaves.append(
            Leaf(full, kind, layer, tuple(inputs), loc, trainable, groups, cost, expect or [])
        )
        self.shapes[full] = cost.output
        # merge rows and auto shortcuts are leaves no entry names: `from` accepts them too
        self.global_names.setdefault(full, full)
        return full

    # ---- `from` ------------------------------------------------------------------------

    def resolve_from(self, node: Node, scope: _Scope) -> list[str]:
        value = resolve(node, scope.env)
        names = value if isinstance(value, list) else [value]
        if not names or not all(isinstance(n, str) for n in names):
            raise CnnError("'from' takes a layer name or a list of names", node.loc)
        for n in names:
            check_printable(n, node.loc, "'from'")
        return [self.lookup(n, scope, node) for n in names]

    def lookup(self, name: str, scope: _Scope, node: Node) -> str:
        if name == INPUT:
            return scope.input
        s: _Scope | None = scope
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        if name in self.global_names:
            return self.global_names[name]
        known = [INPUT, *self.global_names]
        s = scope
        while s is not None:
            known.extend(s.names)
            s = s.parent
        close = nearest(name, dict.fromkeys(known), 3)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        raise CnnError(f"'from' names '{name}', which is not an earlier layer{hint}", node.loc)

    # ---- composites --------------------------------------------------------------------

    def child(self, scope: _Scope, prefix: str, input_: str, trainable: bool, groups: tuple[str, ...],
              env: dict[str, Any] | None = None, blocks: tuple[str, ...] | None = None) -> _Scope:
        return _Scope(
            prefix, input_, scope.env if env is None else env, scope, groups, trainable,
            scope.blocks_in_use if blocks is None else blocks,
        )

    def subgroup(self, name: str, kind: str, loc: Location, groups: tuple[str, ...]) -> tuple[str, ...]:
        self.groups[name] = Group(name, kind, loc)
        return (*groups, name)

    def _only(self, entry: _Entry, allowed: tuple[str, ...]) -> None:
        for key in entry.args:
            if key not in allowed:
                raise CnnError(
                    f"unknown key '{key}' for {entry.kind}{did_you_mean(key, [*allowed, *COMMON_KEYS])}",
                    entry.arg_locs[key],
                )

    def residual(self, entry: _Entry, scope: _Scope, full: str, input_: str, trainable: bool,
                 groups: tuple[str, ...]) -> str:
        self._only(entry, ("main", "shortcut", "activation"))
        if "main" not in entry.args:
            raise CnnError("residual needs 'main' (a list of layers)", entry.kind_loc)
        main_groups = self.subgroup(f"{full}.main", "main", entry.arg_locs["main"], groups)
        main_scope = self.child(scope, f"{full}.main.", input_, trainable, main_groups)
        main_out = self.body(entry.args["main"], main_scope, collapse_into=f"{full}.main")
        short_node = entry.args.get("shortcut")
        short_value = resolve(short_node, scope.env) if short_node is not None and not short_node.is_list else None
        if short_node is None or short_value == "identity":
            short_out = input_
        elif short_node.is_list:
            sg = self.subgroup(f"{full}.shortcut", "shortcut", entry.arg_locs["shortcut"], groups)
            short_scope = self.child(scope, f"{full}.shortcut.", input_, trainable, sg)
            short_out = self.body(short_node, short_scope, collapse_into=f"{full}.shortcut")
        elif short_value == "auto":
            short_out = self.auto_shortcut(full, input_, main_out, short_node.loc, trainable, groups)
        else:
            raise CnnError(
                f"'shortcut' is identity, auto or a list of layers, got {short_value!r}", short_node.loc
            )
        activation = self._activation(entry, scope)
        from .layers.merge import Add

        return self.add(f"{full}.add", "add", Add(activation), [main_out, short_out], entry.kind_loc,
                        trainable, groups)

    def _activation(self, entry: _Entry, scope: _Scope) -> str | None:
        from .layers.base import activation_name

        node = entry.args.get("activation")
        if node is None:
            return None
        try:
            return activation_name(resolve(node, scope.env))
        except ArgError as exc:
            raise CnnError(f"{entry.kind} 'activation': {exc}", node.loc) from None

    def auto_shortcut(self, full: str, input_: str, main_out: str, loc: Location, trainable: bool,
                      groups: tuple[str, ...]) -> str:
        """Identity when the main path keeps the shape, else a 1x1 conv (no bias) and bn."""
        src, dst = self.shapes[input_], self.shapes[main_out]
        if tuple(src) == tuple(dst):
            return input_
        if len(src) != 3 or len(dst) != 3:
            raise CnnError(f"{full}: shortcut: auto needs volumes, got {format_shape(src)} -> {format_shape(dst)}", loc)
        strides = []
        for axis, n_in, n_out in zip(("n_H", "n_W"), src[:2], dst[:2]):
            s = _shortcut_stride(n_in, n_out)
            if s is None:
                raise CnnError(
                    f"{full}: shortcut: auto finds no stride s with floor(({n_in} - 1)/s) + 1 = {n_out} "
                    f"({axis}); write the shortcut layers out",
                    loc,
                )
            strides.append(s)
        sg = self.subgroup(f"{full}.shortcut", "shortcut", loc, groups)
        conv = Conv(filters=dst[2], f=(1, 1), s=(strides[0], strides[1]), bias=False)
        out = self.add(f"{full}.shortcut.conv1", "conv", conv, [input_], loc, trainable, sg)
        return self.add(f"{full}.shortcut.bn1", "bn", BatchNorm(), [out], loc, trainable, sg)

    def parallel(self, entry: _Entry, scope: _Scope, full: str, input_: str, trainable: bool,
                 groups: tuple[str, ...]) -> str:
        self._only(entry, ("branches", "merge", "activation"))
        node = entry.args.get("branches")
        if node is None or not node.is_list or len(node.value) < 2:
            raise CnnError("parallel needs 'branches': a list of two or more layer lists",
                           node.loc if node is not None else entry.kind_loc)
        merge = "concat"
        if "merge" in entry.args:
            merge = resolve(entry.args["merge"], scope.env)
            if merge not in ("concat", "add"):
                raise CnnError(f"'merge' is concat or add, got {merge!r}", entry.args["merge"].loc)
        outs = []
        for i, branch in enumerate(node.value, start=1):
            if not branch.is_list:
                raise CnnError(f"branch {i} must be a list of layers ([] passes the input through)", branch.loc)
            if not branch.value:
                outs.append(input_)
                continue
            bg = self.subgroup(f"{full}.b{i}", f"b{i}", branch.loc, groups)
            branch_scope = self.child(scope, f"{full}.b{i}.", input_, trainable, bg)
            outs.append(self.body(branch, branch_scope, collapse_into=f"{full}.b{i}"))
        from .layers.merge import Add, Concat

        activation = self._activation(entry, scope)
        layer = Concat(activation) if merge == "concat" else Add(activation)
        return self.add(f"{full}.{merge}", merge, layer, outs, entry.kind_loc, trainable, groups)

    def block(self, entry: _Entry, scope: _Scope, full: str, input_: str, trainable: bool,
              groups: tuple[str, ...]) -> str:
        block: Block = self.arch.blocks[entry.kind]
        if entry.kind in scope.blocks_in_use:
            raise CnnError(f"block '{entry.kind}' uses itself", entry.kind_loc)
        if len(scope.blocks_in_use) >= MAX_BLOCK_DEPTH:
            raise CnnError(f"blocks nested deeper than {MAX_BLOCK_DEPTH}", entry.kind_loc)
        env = dict(self.arch.env)
        for key in entry.args:
            if key not in block.args:
                hint = did_you_mean(key, [*block.args, *COMMON_KEYS])
                raise CnnError(f"unknown argument '{key}' for block {entry.kind}{hint}", entry.arg_locs[key])
        for key, default in block.args.items():
            if key in entry.args:
                env[key] = resolve(entry.args[key], scope.env)
            elif default is None:
                raise CnnError(f"block {entry.kind} needs argument '{key}'", entry.kind_loc)
            else:
                env[key] = resolve(default, env)
        inner = self.child(scope, f"{full}.", input_, trainable, groups, env, (*scope.blocks_in_use, entry.kind))
        return self.body(block.layers, inner, collapse_into=full)


def check_size(arch: Architecture) -> None:
    """Refuse a network of more than MAX_LAYERS layers before building any: counting entries
    times their `repeat` (blocks and composites expanded) takes microseconds, building them
    seconds. The count never exceeds the real one (an unknown `repeat` counts as 1), so the
    builder's own checks still catch what this misses."""
    memo: dict[tuple[str, str], int] = {}

    def repeat_of(args: Node | None, env: dict[str, Any]) -> tuple[int, Node | None]:
        if args is None or not args.is_map or "repeat" not in args.value:
            return 1, None
        node = args.value["repeat"]
        try:
            value = resolve(node, env)
        except CnnError:
            return 1, node
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        return (value if ok else 1), node

    def one(item: Node, env: dict[str, Any], depth: int) -> int:
        if isinstance(item.value, str):
            kind, args = item.value, None
        elif item.is_map and len(item.value) == 1:
            kind, args = next(iter(item.value.items()))
        else:
            return 0
        kind = KIND_ALIASES.get(kind, (kind, {}))[0]
        parts = args.value if args is not None and args.is_map else {}
        if kind == "residual":
            short = parts.get("shortcut")
            per = 1 + body(parts.get("main"), env, depth) + (body(short, env, depth) if short else 0)
        elif kind == "parallel":
            branches = parts.get("branches")
            listed = branches.value if branches is not None and branches.is_list else []
            per = 1 + sum(body(b, env, depth) for b in listed)
        elif kind in arch.blocks and depth < MAX_BLOCK_DEPTH:
            per = block(arch.blocks[kind], parts, env, depth + 1)
        else:
            per = 1
        repeat, node = repeat_of(args, env)
        if node is not None and repeat > MAX_LAYERS:  # the same words as the builder's check
            raise CnnError(f"repeat {repeat:,} is more than the limit of {MAX_LAYERS:,} layers", node.loc)
        if node is not None and repeat * per > MAX_LAYERS:
            raise CnnError(
                f"repeat {repeat:,} of {per:,} layer(s) makes more than {MAX_LAYERS:,} layers", node.loc
            )
        return repeat * per

    def block(blk: Block, call: dict[str, Node], env: dict[str, Any], depth: int) -> int:
        inner = dict(arch.env)
        for key, default in blk.args.items():
            source = call.get(key, default)
            try:
                inner[key] = None if source is None else resolve(source, env if key in call else inner)
            except CnnError:
                inner[key] = None
        key = (blk.name, repr(sorted(inner.items(), key=lambda kv: kv[0])))
        if key not in memo:
            memo[key] = 0  # a block that uses itself counts nothing (the builder reports it)
            memo[key] = body(blk.layers, inner, depth)
        return memo[key]

    def body(items: Node | None, env: dict[str, Any], depth: int) -> int:
        if items is None or not items.is_list:
            return 0
        total = 0
        for item in items.value:
            total += one(item, env, depth)
            if total > MAX_LAYERS:
                raise CnnError(f"the network has more than {MAX_LAYERS:,} layers", item.loc)
        return total

    body(arch.layers, arch.env, 0)


def common_values(
    entry: _Entry, env: dict[str, Any], problems: list[CnnError] | None = None
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
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                bad(f"'repeat' must be a positive integer, got {value!r}", node)
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
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def make_layer(entry: _Entry, env: dict[str, Any], problems: list[CnnError] | None = None) -> Layer | None:
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


def _shortcut_stride(n_in: Any, n_out: Any) -> int | None:
    """The smallest s with floor((n_in - 1)/s) + 1 = n_out."""
    if not isinstance(n_in, int) or not isinstance(n_out, int):
        from .symbolic import shortcut_stride

        return shortcut_stride(n_in, n_out)
    if n_out < 1 or n_out > n_in:
        return None
    # floor((n_in - 1)/s) + 1 falls as s grows; the first s at which it is n_out or less is
    # floor((n_in - 1)/n_out) + 1 (a loop over s took 85 s for n_in = 10^9, n_out = 1)
    s = (n_in - 1) // n_out + 1
    return s if (n_in - 1) // s + 1 == n_out else None
