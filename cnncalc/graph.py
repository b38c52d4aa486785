"""A resolved tree -> DAG of leaf layers in execution order, with shapes.

Blocks, `repeat`, residual and parallel composites are placed here; names are given (dotted
inside composites) and `from` names are looked up in their scope. Each leaf's output shape is
inferred as it is added, because placing itself needs shapes (`shortcut: auto` depends on the
main path's output). Every value was resolved before (`tree`): this module reads no YAML node.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from . import progress
from .entries import COMMON_KEYS, INPUT, MAX_BLOCK_DEPTH, MAX_LAYERS
from .errors import CnnError, Location, ShapeError
from .layers import Cost, Layer, Shape
from .layers.base import format_shape
from .spec import Expectation
from .suggest import nearest
from .tree import BlockUse, Body, Item, Network, Parallel, Residual
from .values import Record

__all__ = ["COMMON_KEYS", "INPUT", "MAX_BLOCK_DEPTH", "MAX_LAYERS", "Graph", "Group", "Leaf", "build"]

# Symbolic sizes cost sympy work per layer (up to ~0.1 s for nested ceilings), so a long
# symbolic network could run for minutes: past this budget it stops with a located error.
SYMBOLIC_SECONDS = 30.0
T = TypeVar("T")


class Leaf(Record):
    """One row of the summary: a layer, what it reads, and what it computed."""

    __slots__ = ("name", "kind", "layer", "inputs", "loc", "trainable", "groups", "cost", "expect", "shares")
    name: str
    kind: str  # as shown: 'conv', 'relu', 'add', ...
    layer: Layer
    inputs: tuple[str, ...]
    loc: Location
    trainable: bool
    groups: tuple[str, ...]  # enclosing composite/block names, outermost first
    cost: Cost
    expect: list[Expectation]
    shares: str | None  # uses this earlier leaf's weights: its parameters count there

    def __init__(self, name: str, kind: str, layer: Layer, inputs: tuple[str, ...], loc: Location, trainable: bool,
                 groups: tuple[str, ...], cost: Cost, expect: list[Expectation] | None = None,
                 shares: str | None = None) -> None:
        self.name = name
        self.kind = kind
        self.layer = layer
        self.inputs = inputs
        self.loc = loc
        self.trainable = trainable
        self.groups = groups
        self.cost = cost
        self.expect = [] if expect is None else expect
        self.shares = shares

    @property
    def output(self) -> Shape:
        return self.cost.output


class Group(Record):
    """A block instance, residual, parallel, or one of their bodies: folded by `--depth`."""

    __slots__ = ("name", "kind", "loc", "expect")
    name: str
    kind: str
    loc: Location
    expect: list[Expectation]

    def __init__(self, name: str, kind: str, loc: Location, expect: list[Expectation] | None = None) -> None:
        self.name = name
        self.kind = kind
        self.loc = loc
        self.expect = [] if expect is None else expect


class Graph(Record):
    __slots__ = ("input", "leaves", "groups", "output", "by_name")
    HIDDEN = ("by_name",)
    input: Shape
    leaves: list[Leaf]
    groups: dict[str, Group]
    output: str  # name of the last leaf
    # built once: shape_of is called per row (conventions), and a fresh dict each call was O(n^2)
    by_name: dict[str, Leaf]

    def __init__(self, input: Shape, leaves: list[Leaf], groups: dict[str, Group], output: str) -> None:
        self.input = input
        self.leaves = leaves
        self.groups = groups
        self.output = output
        self.by_name = {leaf.name: leaf for leaf in leaves}

    def shape_of(self, name: str) -> Shape:
        return self.input if name == INPUT else self.by_name[name].output


class _Scope(Record):
    """A body being expanded: its name prefix, its input, and the names it has given."""

    __slots__ = ("prefix", "input", "parent", "groups", "trainable", "names", "counters")
    prefix: str  # '' at the top level, else 'basic1.main.'
    input: str
    parent: _Scope | None
    groups: tuple[str, ...]
    trainable: bool
    names: dict[str, str]  # local name -> output leaf name
    counters: dict[str, int]

    def __init__(self, prefix: str, input: str, parent: _Scope | None, groups: tuple[str, ...], trainable: bool,
                 names: dict[str, str] | None = None, counters: dict[str, int] | None = None) -> None:
        self.prefix = prefix
        self.input = input
        self.parent = parent
        self.groups = groups
        self.trainable = trainable
        self.names = {} if names is None else names
        self.counters = {} if counters is None else counters

    def next_name(self, base: str) -> str:
        # a type ending in a digit gets an underscore: relu6_1, not relu61
        sep = "_" if base[-1:].isdigit() else ""
        n = self.counters.get(base, 0) + 1
        while f"{base}{sep}{n}" in self.names:  # skip names the file gave explicitly
            n += 1
        self.counters[base] = n
        return f"{base}{sep}{n}"


def ok(slot: T | CnnError) -> T:
    """The value a slot of the tree holds, or the error the resolver found there, raised now:
    the builder reaches slots in execution order, so the first error raised is the first met."""
    if isinstance(slot, CnnError):
        raise slot
    return slot


def build(network: Network) -> Graph:
    builder = _Builder(network)
    top = _Scope("", INPUT, None, (), True)
    out = builder.body(network.layers, top)
    if not builder.leaves:
        raise CnnError("the network has no layers", network.layers_loc)
    return Graph(network.input, builder.leaves, builder.groups, out)


class _Builder:
    def __init__(self, network: Network) -> None:
        self.leaves: list[Leaf] = []
        self.shapes: dict[str, Shape] = {INPUT: network.input}
        self.groups: dict[str, Group] = {}
        self.global_names: dict[str, str] = {}  # full dotted name -> output leaf name
        self.deadline = time.monotonic() + SYMBOLIC_SECONDS if network.symbolic else None

    # ---- bodies and entries ------------------------------------------------------------

    def body(self, items: Body, scope: _Scope, collapse_into: str | None = None) -> str:
        """Place a list of entries; returns the name of the body's output."""
        current = scope.input
        single = len(ok(items)) == 1
        for slot in ok(items):
            item = ok(slot)
            name_here = collapse_into if single and collapse_into and item.collapsible else None
            current = self.place(item, scope, current, name_here)
        return current

    def place(self, item: Item, scope: _Scope, current: str, name_here: str | None) -> str:
        """Add an entry (all its repeats) after `current`; returns the new output."""
        sources = None
        if item.sources is not None:
            assert item.from_loc is not None
            sources = [self.lookup(n, scope, item.from_loc) for n in item.sources]
        trainable = scope.trainable and item.trainable
        expect = list(ok(item.expect))
        if item.repeat == 0:  # no copies: the entry passes its input on, but must still be valid
            ok(item.part)
            return current
        before = len(self.leaves)
        for i in range(item.repeat):
            if item.name is not None:
                local = item.name if item.repeat == 1 else f"{item.name}_{i + 1}"
            elif name_here is not None:
                local = None
            else:
                local = scope.next_name(item.kind)
            inputs = sources if (sources is not None and i == 0) else [current]
            current = self.one(item, scope, local, name_here, inputs, trainable, expect)
            if i == 0 and item.repeat > 1:
                per_copy = len(self.leaves) - before
                if before + per_copy * item.repeat > MAX_LAYERS:
                    assert item.repeat_loc is not None
                    raise CnnError(
                        f"repeat {item.repeat:,} of {per_copy:,} layer(s) makes more than "
                        f"{MAX_LAYERS:,} layers",
                        item.repeat_loc,
                    )
        return current

    def one(
        self, item: Item, scope: _Scope, local: str | None, name_here: str | None,
        inputs: list[str], trainable: bool, expect: list[Expectation],
    ) -> str:
        full = name_here if name_here is not None else scope.prefix + str(local)
        if name_here is None and (full in self.global_names or full in self.groups):
            first = self.groups[full].loc if full in self.groups else self.by_name_loc(full)
            where = f" (first at line {first.line}, column {first.col})" if first is not None else ""
            if first == item.kind_loc:  # one YAML node used twice: the alias's own place is not kept
                where = " (a YAML alias repeats a named entry: drop its name, or use repeat)"
            raise CnnError(f"duplicate layer name '{full}'{where}", item.kind_loc)
        part = ok(item.part)
        if isinstance(part, Layer):
            out = self.add(full, item.kind, part, inputs, item.kind_loc, trainable, scope.groups, expect)
            if item.shares is not None:
                self.share(self.leaves[-1], item.shares, scope, item.kind_loc)
        else:
            groups = scope.groups
            if name_here is None:  # a collapsed body's composite shares its owner's group
                self.groups[full] = Group(full, item.kind, item.kind_loc, expect)
                groups = (*groups, full)
            elif full in self.groups:  # ... and its expectations (copied: repeats share `expect`)
                self.groups[full].expect = [*self.groups[full].expect, *expect]
            if isinstance(part, Residual):
                out = self.residual(part, item, scope, full, inputs[0], trainable, groups)
            elif isinstance(part, Parallel):
                out = self.parallel(part, item, scope, full, inputs[0], trainable, groups)
            else:
                out = self.block(part, item, scope, full, inputs[0], trainable, groups)
        if local is not None:
            scope.names[local] = out
        self.global_names[full] = out
        return out

    def by_name_loc(self, name: str) -> Location | None:
        return next((leaf.loc for leaf in self.leaves if leaf.name == name), None)

    # ---- leaves ------------------------------------------------------------------------

    def add(
        self, full: str, kind: str, layer: Layer, inputs: list[str], loc: Location,
        trainable: bool, groups: tuple[str, ...], expect: list[Expectation] | None = None,
    ) -> str:
        if len(self.leaves) >= MAX_LAYERS:
            raise CnnError(f"the network has more than {MAX_LAYERS:,} layers", loc)
        progress.step("layers", len(self.leaves))  # shown only past half a second, on a terminal
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

    def share(self, leaf: Leaf, owner: str, scope: _Scope, loc: Location) -> None:
        """`shares: NAME`: the leaf uses NAME's weights (Keras' shared layers), which must match."""
        found = self.lookup(owner, scope, loc)
        first = next((x for x in self.leaves if x.name == found), None)
        if first is None or first is leaf:
            raise CnnError(f"'shares' names '{owner}', which is not an earlier layer", loc)
        mine, theirs = (leaf.cost.params, leaf.cost.buffers), (first.cost.params, first.cost.buffers)
        if type(first.layer) is not type(leaf.layer) or mine != theirs:
            raise CnnError(f"{leaf.name} shares the weights of '{found}', but they differ "
                           f"({first.kind}: {theirs[0]} params, {leaf.kind}: {mine[0]})", loc)
        leaf.shares = found

    # ---- `from` ------------------------------------------------------------------------

    def lookup(self, name: str, scope: _Scope, loc: Location) -> str:
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
        raise CnnError(f"'from' names '{name}', which is not an earlier layer{hint}", loc)

    # ---- composites --------------------------------------------------------------------

    def child(self, scope: _Scope, prefix: str, input_: str, trainable: bool, groups: tuple[str, ...]) -> _Scope:
        return _Scope(prefix, input_, scope, groups, trainable)

    def subgroup(self, name: str, kind: str, loc: Location, groups: tuple[str, ...]) -> tuple[str, ...]:
        self.groups[name] = Group(name, kind, loc)
        return (*groups, name)

    def residual(self, part: Residual, item: Item, scope: _Scope, full: str, input_: str, trainable: bool,
                 groups: tuple[str, ...]) -> str:
        main_groups = self.subgroup(f"{full}.main", "main", part.main_loc, groups)
        main_scope = self.child(scope, f"{full}.main.", input_, trainable, main_groups)
        main_out = self.body(part.main, main_scope, collapse_into=f"{full}.main")
        shortcut = ok(part.shortcut)
        if shortcut == "none":  # no skip connection (chosen by a block argument): main alone
            if part.activation_loc is not None:
                raise CnnError(
                    f"{full}: with shortcut: none there is no sum for 'activation' to follow; "
                    "write the activation as a layer of 'main'",
                    part.activation_loc,
                )
            return main_out
        if shortcut == "identity":
            short_out = input_
        elif shortcut == "auto":
            assert part.auto_loc is not None
            short_out = self.auto_shortcut(full, input_, main_out, part.auto_loc, trainable, groups)
        else:
            assert part.shortcut_loc is not None and not isinstance(shortcut, str)
            sg = self.subgroup(f"{full}.shortcut", "shortcut", part.shortcut_loc, groups)
            short_scope = self.child(scope, f"{full}.shortcut.", input_, trainable, sg)
            short_out = self.body(shortcut, short_scope, collapse_into=f"{full}.shortcut")
        return self.add(f"{full}.add", "add", ok(part.join), [main_out, short_out], item.kind_loc,
                        trainable, groups)

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
        from .layers.bn import BatchNorm  # imported by the networks that need it
        from .layers.conv import Conv

        sg = self.subgroup(f"{full}.shortcut", "shortcut", loc, groups)
        conv = Conv(filters=dst[2], f=(1, 1), s=(strides[0], strides[1]), bias=False)
        out = self.add(f"{full}.shortcut.conv1", "conv", conv, [input_], loc, trainable, sg)
        return self.add(f"{full}.shortcut.bn1", "bn", BatchNorm(), [out], loc, trainable, sg)

    def parallel(self, part: Parallel, item: Item, scope: _Scope, full: str, input_: str, trainable: bool,
                 groups: tuple[str, ...]) -> str:
        outs = []
        for i, (branch, loc) in enumerate(part.branches, start=1):
            layers = ok(branch)
            if not layers:
                outs.append(input_)
                continue
            bg = self.subgroup(f"{full}.b{i}", f"b{i}", loc, groups)
            branch_scope = self.child(scope, f"{full}.b{i}.", input_, trainable, bg)
            outs.append(self.body(layers, branch_scope, collapse_into=f"{full}.b{i}"))
        return self.add(f"{full}.{part.merge}", part.merge, ok(part.join), outs, item.kind_loc, trainable, groups)

    def block(self, part: BlockUse, item: Item, scope: _Scope, full: str, input_: str, trainable: bool,
              groups: tuple[str, ...]) -> str:
        inner = self.child(scope, f"{full}.", input_, trainable, groups)
        try:
            return self.body(part.layers, inner, collapse_into=full)
        except CnnError as exc:
            raise at_use_site(exc, full, item.kind, item.kind_loc) from None


class BlockUseError(CnnError):
    """An error met in a block's body, naming the uses it was reached through."""

    def __init__(self, name: str, uses: tuple[str, ...], detail: str, loc: Location | None) -> None:
        super().__init__(f"{name} ({', in '.join(uses)}): {detail}", loc, detail)
        self.name, self.uses = name, uses


def at_use_site(exc: CnnError, full: str, block: str, use: Location) -> CnnError:
    """An error met in a block's body, located in the body, made to name the use it came from
    too: `stage2.block3 (block mbconv at line 40): ...`; an outer use is added after the inner
    one (`, in block stage at line 12`). A shape error already starts with the layer's dotted
    name, and an error at the use itself (an argument it passed) is already in its place."""
    here = f"block {block} at line {use.line}"
    if isinstance(exc, BlockUseError):
        return BlockUseError(exc.name, (*exc.uses, here), exc.detail or exc.message, exc.loc)
    if exc.detail is not None or exc.message.startswith((f"{full}.", f"{full}:")):
        return exc
    if exc.loc is None or (exc.loc.line, exc.loc.file) == (use.line, use.file):
        return exc
    return BlockUseError(full, (here,), exc.message, exc.loc)


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
