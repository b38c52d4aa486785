"""Architecture -> a located tree of resolved entries, before any shape is computed.

vars, `--set`, block arguments, `repeat`, `name`, `trainable`, `from` names and every layer's
arguments are worked out here, once per entry (a block once per distinct use), so that
`graph.build` only places what this tree holds and infers shapes: it never reads a YAML node.

What is wrong with an entry is kept in the tree, in the slot where it was found, as the
`CnnError` itself: the builder raises it when it reaches that slot. The first error of a file
is so the one met first in execution order (a shape error on line 3 before a bad key on line 5),
exactly as when the spec was resolved while the graph was built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import entries
from .entries import MAX_BLOCK_DEPTH, MAX_LAYERS, Entry
from .errors import CnnError, Location
from .layers import KIND_ALIASES, KINDS, Layer, Shape
from .layers.base import ArgError, activation_name
from .source import Node
from .spec import Architecture, Block, Expectation, check_printable, parse_expect, resolve
from .suggest import did_you_mean
from .values import Frozen, init

SHORTCUTS = ("identity", "auto", "none")
MERGES = ("concat", "add", "multiply")  # the kinds that may join a parallel's branches


class Residual(Frozen):
    __slots__ = ("main", "main_loc", "shortcut", "shortcut_loc", "auto_loc", "join", "activation_loc")
    main: Body
    main_loc: Location
    shortcut: str | Body | CnnError  # 'identity', 'auto', 'none' (no skip: main alone) or layers
    shortcut_loc: Location | None  # of the `shortcut` key (its group)
    auto_loc: Location | None  # of its value (where `shortcut: auto` complains)
    join: Layer | CnnError
    activation_loc: Location | None  # of an `activation` value (refused with shortcut: none)

    def __init__(self, main: Body, main_loc: Location, shortcut: str | Body | CnnError, shortcut_loc: Location | None,
                 auto_loc: Location | None, join: Layer | CnnError, activation_loc: Location | None = None) -> None:
        init(self, "main", main)
        init(self, "main_loc", main_loc)
        init(self, "shortcut", shortcut)
        init(self, "shortcut_loc", shortcut_loc)
        init(self, "auto_loc", auto_loc)
        init(self, "join", join)
        init(self, "activation_loc", activation_loc)


class Parallel(Frozen):
    __slots__ = ("branches", "merge", "join")
    branches: tuple[tuple[Body | CnnError, Location], ...]  # an empty body passes the input through
    merge: str  # 'concat', 'add' or 'multiply'
    join: Layer | CnnError

    def __init__(self, branches: tuple[tuple[Body | CnnError, Location], ...], merge: str,
                 join: Layer | CnnError) -> None:
        init(self, "branches", branches)
        init(self, "merge", merge)
        init(self, "join", join)


class BlockUse(Frozen):
    __slots__ = ("layers",)
    layers: Body

    def __init__(self, layers: Body) -> None:
        init(self, "layers", layers)


class Item(Frozen):
    """One entry, resolved: a leaf layer or a composite, placed `repeat` times."""

    __slots__ = ("kind", "kind_loc", "repeat", "repeat_loc", "name", "trainable", "sources", "from_loc", "expect",
                 "part", "collapsible", "shares")  # fmt: skip
    kind: str  # as shown: 'conv', 'residual', a block's name
    kind_loc: Location
    repeat: int
    repeat_loc: Location | None
    name: str | None  # the `name:` it was given
    trainable: bool
    sources: tuple[str, ...] | None  # its `from` names (looked up by the builder: they are scoped)
    from_loc: Location | None
    expect: tuple[Expectation, ...] | CnnError
    part: Layer | Residual | Parallel | BlockUse | CnnError
    collapsible: bool  # a composite without name or repeat: alone in a body, it takes the body's name
    shares: str | None  # a shared layer's later call: the layer whose weights it uses

    def __init__(self, kind: str, kind_loc: Location, repeat: int, repeat_loc: Location | None, name: str | None,
                 trainable: bool, sources: tuple[str, ...] | None, from_loc: Location | None,
                 expect: tuple[Expectation, ...] | CnnError, part: Layer | Residual | Parallel | BlockUse | CnnError,
                 collapsible: bool, shares: str | None = None) -> None:
        init(self, "kind", kind)
        init(self, "kind_loc", kind_loc)
        init(self, "repeat", repeat)
        init(self, "repeat_loc", repeat_loc)
        init(self, "name", name)
        init(self, "trainable", trainable)
        init(self, "sources", sources)
        init(self, "from_loc", from_loc)
        init(self, "expect", expect)
        init(self, "part", part)
        init(self, "collapsible", collapsible)
        init(self, "shares", shares)


Body = tuple[Item | CnnError, ...] | CnnError


class Network(Frozen):
    __slots__ = ("input", "symbolic", "layers", "layers_loc")
    input: Shape
    symbolic: bool
    layers: Body
    layers_loc: Location

    def __init__(self, input: Shape, symbolic: bool, layers: Body, layers_loc: Location) -> None:
        init(self, "input", input)
        init(self, "symbolic", symbolic)
        init(self, "layers", layers)
        init(self, "layers_loc", layers_loc)


def resolve_network(arch: Architecture) -> Network:
    check_size(arch)
    resolver = _Resolver(arch)
    layers = resolver.body(arch.layers, arch.env, ())
    return Network(arch.input, bool(arch.symbols), layers, arch.layers.loc)


class _Resolver:
    def __init__(self, arch: Architecture) -> None:
        self.arch = arch
        # a block used many times with the same arguments is resolved once
        self.block_bodies: dict[tuple[str, str, tuple[str, ...]], Body] = {}

    def body(self, items: Node, env: Mapping[str, Any], chain: tuple[str, ...]) -> Body:
        if not items.is_list:
            return CnnError("expected a list of layers", items.loc)
        out: list[Item | CnnError] = []
        for node in items.value:
            try:
                out.append(self.item(node, env, chain))
            except CnnError as exc:
                out.append(exc)
        return tuple(out)

    def item(self, node: Node, env: Mapping[str, Any], chain: tuple[str, ...]) -> Item:
        entry = entries.split(node, self.arch.blocks)
        repeat, explicit, trainable = entries.common_values(entry, env)
        if repeat > 1 and entry.kind in KINDS and KINDS[entry.kind].cls.MIN_INPUTS > 1:
            raise CnnError(
                f"{entry.kind} cannot repeat: the copies after the first read only the copy before "
                f"them, and {entry.kind} reads 2 or more inputs",
                entry.common["repeat"].loc,
            )
        from_node = entry.common.get("from")
        sources = None if from_node is None else _sources(from_node, env)
        expect_node = entry.common.get("expect")
        expect: tuple[Expectation, ...] | CnnError = ()
        if expect_node is not None:
            try:
                expect = tuple(parse_expect(expect_node, env))
            except CnnError as exc:
                expect = exc
        n_inputs = 1 if sources is None else len(sources)
        try:
            part = self.part(entry, env, chain, n_inputs)
        except CnnError as exc:
            part = exc
        if entry.kind == "activation" and isinstance(part, Layer):  # named as its function: `hardswish1`
            entry.kind = part.function
        repeat_node = entry.common.get("repeat")
        return Item(
            entry.kind, entry.kind_loc, repeat, None if repeat_node is None else repeat_node.loc,
            explicit, trainable, sources, None if from_node is None else from_node.loc, expect, part,
            collapsible=not ("name" in entry.common or "repeat" in entry.common) and entry.kind not in KINDS,
            shares=_shares(entry.common.get("shares"), env),
        )

    def part(self, entry: Entry, env: Mapping[str, Any], chain: tuple[str, ...], n_inputs: int
             ) -> Layer | Residual | Parallel | BlockUse:
        if entry.kind in KINDS:
            return _leaf(entry, env, n_inputs)
        if n_inputs != 1:
            raise CnnError(f"'{entry.kind}' reads one input, got {n_inputs}", entry.common["from"].loc)
        if entry.kind == "residual":
            return self.residual(entry, env, chain)
        if entry.kind == "parallel":
            return self.parallel(entry, env, chain)
        return self.block(entry, env, chain)

    def residual(self, entry: Entry, env: Mapping[str, Any], chain: tuple[str, ...]) -> Residual:
        for problem in entries.unknown_keys(entry, ("main", "shortcut", "activation")):
            raise problem
        if "main" not in entry.args:
            raise CnnError("residual needs 'main' (a list of layers)", entry.kind_loc)
        main = self.body(entry.args["main"], env, chain)
        short_node = entry.args.get("shortcut")
        shortcut: str | Body | CnnError = "identity"
        if short_node is not None and short_node.is_list:
            shortcut = self.body(short_node, env, chain)
        elif short_node is not None:
            try:
                value = resolve(short_node, env)
                if value not in SHORTCUTS:
                    raise CnnError(f"'shortcut' is identity, auto, none or a list of layers, got {value!r}",
                                   short_node.loc)
                shortcut = value
            except CnnError as exc:
                shortcut = exc
        join = _merge(KINDS["add"].cls, entry, env)
        act = entry.args.get("activation")
        return Residual(main, entry.arg_locs["main"], shortcut, entry.arg_locs.get("shortcut"),
                        None if short_node is None else short_node.loc, join,
                        None if act is None or act.value is None else act.loc)

    def parallel(self, entry: Entry, env: Mapping[str, Any], chain: tuple[str, ...]) -> Parallel:
        for problem in entries.unknown_keys(entry, ("branches", "merge", "activation")):
            raise problem
        node = entry.args.get("branches")
        if node is None or not node.is_list or len(node.value) < 2:
            raise CnnError("parallel needs 'branches': a list of two or more layer lists",
                           node.loc if node is not None else entry.kind_loc)
        merge = "concat"
        if "merge" in entry.args:
            merge = resolve(entry.args["merge"], env)
            if merge not in MERGES:
                raise CnnError(f"'merge' is concat, add or multiply, got {merge!r}", entry.args["merge"].loc)
        branches: list[tuple[Body | CnnError, Location]] = []
        for i, branch in enumerate(node.value, start=1):
            if not branch.is_list:
                error = CnnError(f"branch {i} must be a list of layers ([] passes the input through)", branch.loc)
                branches.append((error, branch.loc))
            else:
                branches.append((self.body(branch, env, chain) if branch.value else (), branch.loc))
        return Parallel(tuple(branches), merge, _merge(KINDS[merge].cls, entry, env))

    def block(self, entry: Entry, env: Mapping[str, Any], chain: tuple[str, ...]) -> BlockUse:
        block: Block = self.arch.blocks[entry.kind]
        if entry.kind in chain:
            raise CnnError(f"block '{entry.kind}' uses itself", entry.kind_loc)
        if len(chain) >= MAX_BLOCK_DEPTH:
            raise CnnError(f"blocks nested deeper than {MAX_BLOCK_DEPTH} (a block whose layers use a block, and so"
                           " on); use one block several times with `repeat: N` instead of nesting", entry.kind_loc)
        inner = dict(self.arch.env)
        for key in entry.args:
            if key not in block.args:
                hint = did_you_mean(key, [*block.args, *entries.COMMON_KEYS])
                raise CnnError(f"unknown argument '{key}' for block {entry.kind}{hint}", entry.arg_locs[key])
        for key, default in block.args.items():
            if key in entry.args:
                inner[key] = resolve(entry.args[key], env)
            elif default is None:
                raise CnnError(f"block {entry.kind} needs argument '{key}'", entry.kind_loc)
            else:
                inner[key] = resolve(default, inner)
        signature = (entry.kind, repr(sorted(inner.items(), key=lambda kv: kv[0])), chain)
        if signature not in self.block_bodies:
            self.block_bodies[signature] = self.body(block.layers, inner, (*chain, entry.kind))
        return BlockUse(self.block_bodies[signature])


def _sources(node: Node, env: Mapping[str, Any]) -> tuple[str, ...]:
    value = resolve(node, env)
    names = value if isinstance(value, list) else [value]
    if not names or not all(isinstance(n, str) for n in names):
        raise CnnError("'from' takes a layer name or a list of names", node.loc)
    for n in names:
        check_printable(n, node.loc, "'from'")
    return tuple(names)


def _shares(node: Node | None, env: Mapping[str, Any]) -> str | None:
    if node is None:
        return None
    value = resolve(node, env)
    if not isinstance(value, str) or not value:
        raise CnnError(f"'shares' takes the name of an earlier layer, got {value!r}", node.loc)
    check_printable(value, node.loc, "'shares'")
    return value


def _leaf(entry: Entry, env: Mapping[str, Any], n_inputs: int) -> Layer:
    cls = KINDS[entry.kind].cls
    layer = entries.make_layer(entry, env)
    assert layer is not None
    if not cls.MIN_INPUTS <= n_inputs <= cls.MAX_INPUTS:
        where = entry.common["from"].loc if "from" in entry.common else entry.kind_loc
        need = f"{cls.MIN_INPUTS} or more" if cls.MAX_INPUTS > 1 else "exactly one"
        raise CnnError(
            f"{entry.kind} reads {need} input{'s' if cls.MAX_INPUTS > 1 else ''}, got "
            f"{n_inputs}" + (" (list them in 'from')" if cls.MIN_INPUTS > 1 else ""),
            where,
        )
    return layer


def _merge(cls: type[Layer], entry: Entry, env: Mapping[str, Any]) -> Layer | CnnError:
    """The row that joins a composite's paths, with its `activation`."""
    node = entry.args.get("activation")
    if node is None:
        return cls()
    if "activation" not in cls.ARGS:
        return CnnError(f"{entry.kind} 'activation': merge: {cls.KIND} takes none; write the activation "
                        "as a layer after it", node.loc)
    try:
        return cls(activation_name(resolve(node, env)))
    except ArgError as exc:
        return CnnError(f"{entry.kind} 'activation': {exc}", node.loc)
    except CnnError as exc:
        return exc


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
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
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
