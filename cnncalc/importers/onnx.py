"""ONNX `.onnx` -> a located cnncalc layer list (SPEC §1, issue 17), read statically.

The file is never run, its weights are never read, and neither the `onnx` package nor numpy is
imported: `onnx_proto` decodes the protobuf over a memory map (a weight's size comes from its
dims), `onnx_values` decodes the small constants. NCHW is read as cnncalc's n_H x n_W x n_C (a
1-D (N, C, L) tensor as L x 1 x C; the batch axis is left out). Each node becomes a row named
after it (dots made underscores, as the Caffe reader does) and located at it (`model.onnx: node
17 (Conv 'name')`); the per-operator rules are in `onnx_ops` and `onnx_shapes`, each row's output
shape is what its layer kind computes (`onnx_infer`). Shape arithmetic (Shape -> Gather ->
Unsqueeze -> Concat -> Reshape, as torch.onnx.export writes it) is folded away (`onnx_fold`).
Every floating-point initializer the graph reads is counted once, in the first row that reads it:
params (and BatchNormalization's mean and variance as buffers) add up to the file's weight count.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnError, Location
from ..source import Node
from ..spec import check_printable
from .build import Net
from .onnx_infer import ours
from .onnx_proto import Model, Tensor
from .onnx_proto import Node as OnnxNode
from .onnx_values import Const

_FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16 (TensorProto.DataType)


@dataclass(frozen=True, slots=True)
class NodeLocation(Location):
    """A place in an ONNX file: `model.onnx: node 17 (Conv 'name')`; line and column stay 1."""

    place: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.place}" if self.place else self.file


def read_model(data: Any, filename: str) -> Model:
    """The file's ModelProto, decoded from its bytes (an mmap) without reading the weights."""
    from .onnx_proto import LimitError, model

    try:
        m = model(data)
    except LimitError as exc:
        raise CnnError(f"{exc}: more than cnncalc reads", Location(filename)) from None
    except Exception as exc:  # noqa: BLE001 - WireError, struct.error on a cut run of floats, ...
        raise CnnError(f"not an ONNX model ({type(exc).__name__}: {exc})"[:300], Location(filename)) from None
    if m.graph is None or not m.graph.node:
        raise CnnError("not an ONNX model (no graph with nodes)", Location(filename))
    return m


def load(data: Any, filename: str, input_override: str | None = None) -> Node:
    model = read_model(data, filename)
    reader = Reader(model, filename, data, input_override)
    reader.run()
    graph = model.graph
    assert graph is not None
    title = graph.name or os.path.splitext(os.path.basename(filename))[0]
    check_printable(title, Location(filename), "network")
    producer = f" (from {model.producer_name} {model.producer_version})".rstrip() if model.producer_name else ""
    reference = f"ONNX model {os.path.basename(filename)}{producer}"
    return reader.net.root(title, reader.input_shape, Location(filename), reference)


def _symbol(name: str, fallback: str) -> str:
    word = re.sub(r"\W", "_", name or "")
    if not word or not re.fullmatch(r"[A-Za-z_]\w*", word):
        word = fallback if not word else f"d_{word}"
    return word


@dataclass(slots=True)
class View:
    """One node as the rules read it."""

    index: int
    op: str
    domain: str
    name: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any]
    loc: NodeLocation
    proto: Any = field(repr=False, default=None)


class Reader:
    def __init__(self, model: Model, filename: str, data: Any = None, input_override: str | None = None) -> None:
        assert model.graph is not None
        self.model = model
        self.graph = model.graph
        self.filename = filename
        self.data = data  # the file's bytes, for ONNX shape inference of an operator nobody here knows
        self.override = input_override
        self.net = Net(filename)
        self.src: dict[str, str] = {}  # activation tensor -> the row that writes it ('input')
        self.const: dict[str, Const | None] = {}  # constant tensor -> its value, None if unknown
        self.inits: dict[str, Tensor] = {}
        self.claimed: set[str] = set()
        self.shapes: dict[str, list[Any]] = {}  # activation tensor -> its ONNX dims (onnx_infer)
        self.recorded: dict[str, list[Any]] = {}  # the dims the file's value_info and outputs give
        self.inferred: dict[str, list[Any]] | None = None  # ONNX shape inference's, once needed
        self.consumers: dict[str, list[int]] = {}
        self.skip: set[int] = set()
        self.pending: dict[int, Any] = {}  # node index -> the nodes a rule waits on there (`_shuffle`)
        self.input_shape: Any = None
        self.nodes: list[OnnxNode] = []
        self.opset = model.opset_import.get("", 1)
        self.symbols: dict[str, str] = {}
        self.canon: dict[str, str] = {}  # Identity of an initializer -> the initializer

    # ---- set up -------------------------------------------------------------------------------

    def run(self) -> None:
        from . import onnx_fold, onnx_ops

        graph = self.graph
        for t in graph.initializer:
            self.inits[t.name] = t
            self.const[t.name] = None  # values are read on demand (`value`)
        if not self.override:
            for vi in (*graph.value_info, *graph.output):
                if vi.dims is not None:
                    self.recorded[vi.name] = vi.dims
        self.read_input()
        self.nodes = graph.node
        for i, n in enumerate(self.nodes):
            for t in n.input:
                self.consumers.setdefault(t, []).append(i)
        for i, n in enumerate(self.nodes):
            if i in self.skip:
                continue
            view = self.view(i, n)
            if self.foldable(view):
                onnx_fold.fold(self, view)
                continue
            try:
                onnx_ops.convert(self, view)
            except (IndexError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
                # untrusted files: a node without the inputs or attributes its operator needs
                raise CnnError(f"malformed {view.op} node ({type(exc).__name__}: {exc})"[:300], view.loc) from None
        self.check_outputs()

    def read_input(self) -> None:
        graph = self.graph
        real = [i for i in graph.input if i.name not in self.inits]
        if not real:
            raise CnnError("the graph has no input (every input is an initializer)", Location(self.filename))
        first = real[0]
        for extra in real[1:]:
            raise CnnError(f"the graph has {len(real)} inputs ('{first.name}', '{extra.name}', ...); "
                           "cnncalc reads networks of one input", Location(self.filename))
        check_printable(first.name, Location(self.filename), "input")
        dims = first.dims
        if dims is None:
            raise CnnError(f"input '{first.name}' has no shape; pass --input", Location(self.filename))
        named = []
        for axis, d in enumerate(dims):
            if isinstance(d, int):
                named.append(d)
            else:
                fallback = {0: "N", 1: "C", 2: "H", 3: "W"}.get(axis, f"D{axis}") if len(dims) == 4 else f"D{axis}"
                named.append(self.symbol(d, fallback))
        shape = ours(named)
        if shape is None:
            raise CnnError(f"input '{first.name}' has {len(dims)} dimensions; cnncalc reads N x C x H x W, "
                           "N x C x L or N x F", Location(self.filename))
        self.input_shape = shape
        self.src[first.name] = "input"
        self.shapes[first.name] = _overridden(named, self.override)

    def symbol(self, name: str | None, fallback: str) -> str:
        key = name or fallback
        if key not in self.symbols:
            self.symbols[key] = _symbol(name or "", fallback)
        return self.symbols[key]

    def view(self, index: int, n: OnnxNode) -> View:
        from .onnx_proto import attributes

        op = n.op_type
        label = n.name or ""
        check_printable(op, NodeLocation(self.filename, 1, 1, f"node {index}"), "operator")
        check_printable(label, NodeLocation(self.filename, 1, 1, f"node {index} ({op})"), "node")
        place = f"node {index} ({op} '{label}')" if label else f"node {index} ({op})"
        loc = NodeLocation(self.filename, 1, 1, place)
        try:
            attrs = attributes(n)
        except Exception as exc:  # noqa: BLE001 - a malformed attribute (WireError, struct.error)
            raise CnnError(f"unreadable attribute ({exc})", loc) from None
        return View(index, op, n.domain or "", label, list(n.input), list(n.output), attrs, loc, n)

    def foldable(self, v: View) -> bool:
        """Shape arithmetic: every input a constant, or the Shape of any tensor."""
        if v.op in ("Shape", "Size"):
            return True
        present = [t for t in v.inputs if t]
        return all(t in self.const for t in present) and v.op not in ("RandomNormal", "RandomUniform")

    def check_outputs(self) -> None:
        for out in self.graph.output:
            if out.name not in self.src and out.name not in self.const:
                raise CnnError(f"graph output '{out.name}' is written by no node", Location(self.filename))

    # ---- what the rules use ------------------------------------------------------------------

    def is_const(self, t: str) -> bool:
        return t in self.const

    def c(self, t: str) -> str:
        """The initializer a tensor is (through Identity nodes: torch.onnx.export writes one for
        each tensor it merged with an identical one), or the tensor itself."""
        return self.canon.get(t, t)

    def value(self, t: str) -> Const | None:
        """The value of a constant tensor, or None when unknown (a large or dropped one)."""
        t = self.c(t)
        if t not in self.const:
            return None
        got = self.const[t]
        if got is None and t in self.inits:
            from .onnx_values import decode

            got = decode(self.inits[t])
            self.const[t] = got
        return got

    def items(self, t: str) -> list[Any] | None:
        """A constant's items (ints, or a named axis from `Shape`; None if one is unknown)."""
        v = self.value(t)
        if v is None or any(x is None or isinstance(x, (bool, float)) for x in v.items):
            return None
        return list(v.items)

    def ints(self, t: str) -> list[int] | None:
        got = self.items(t)
        return got if got is not None and all(isinstance(x, int) for x in got) else None

    def is_weight(self, t: str) -> bool:
        t = self.c(t)
        return t in self.inits and self.inits[t].data_type in _FLOAT_TYPES

    def is_init(self, t: str) -> bool:
        return self.c(t) in self.inits

    def numel(self, t: str) -> int:
        n = 1
        for d in self.inits[self.c(t)].dims:
            n *= d
        return n

    def claim(self, t: str) -> bool:
        """Count weight `t` here: False when an earlier row counted it (shared weights)."""
        if not t or not self.is_weight(t) or self.c(t) in self.claimed:
            return False
        self.claimed.add(self.c(t))
        return True

    def is_claimed(self, t: str) -> bool:
        return self.c(t) in self.claimed

    def unclaimed(self, names: list[str]) -> int:
        """Claim the weights among `names` not counted yet; their total size."""
        return sum(self.numel(t) for t in names if self.claim(t))

    def dims(self, t: str) -> list[Any] | None:
        """A tensor's ONNX dims: an initializer's, a folded constant's, or an activation's."""
        if self.c(t) in self.inits:
            return list(self.inits[self.c(t)].dims)
        got = self.const.get(t)
        return list(got.dims) if got is not None else self.shapes.get(t)

    def rank(self, t: str) -> int | None:
        d = self.dims(t)
        return None if d is None else len(d)

    def row(self, kind: str, v: View, args: dict[str, Any] | None = None, inputs: list[str] | None = None,
            output: int | None = 0, suffix: str = "") -> str:
        """Add a row for node `v` reading the activation tensors `inputs`; it writes v.outputs[output]
        (whose dims the kind computes)."""
        from .onnx_infer import kind_output

        inputs = inputs if inputs is not None else [t for t in v.inputs[:1]]
        sources = []
        for t in inputs:
            if t not in self.src:
                raise CnnError(f"reads '{t}', which no earlier node writes", v.loc)
            sources.append(self.src[t])
        base = (v.name or f"{v.op.lower()}{v.index}").replace(".", "_") + suffix
        if base == "input":
            base = "input_"
        name = self.net.unique(base)
        self.net.add(kind, name, v.loc, args, None, sources)
        if output is not None and output < len(v.outputs):
            self.src[v.outputs[output]] = name
            got = kind_output(kind, args, [self.shapes.get(t) for t in inputs])
            if got is not None:
                self.shapes[v.outputs[output]] = got
        return name

    def alias(self, v: View, source: str, output: int = 0) -> None:
        """v's output is the tensor `source` (a no-op node): no row."""
        self.src[v.outputs[output]] = self.src[source]
        if source in self.shapes:
            self.shapes[v.outputs[output]] = self.shapes[source]

    def only_consumer(self, t: str) -> Any | None:
        """The node that alone reads `t` (and `t` is no graph output), or None."""
        users = self.consumers.get(t, [])
        if len(users) != 1 or any(o.name == t for o in self.graph.output):
            return None
        return users[0]

    def ours(self, t: str) -> list[Any] | None:
        """Tensor t's shape in cnncalc's layout, when it is known and concrete."""
        shape = ours(self.dims(t))
        if shape is None or not all(isinstance(d, int) and d > 0 for d in shape):
            return None
        return shape


def _overridden(dims: list[Any], override: str | None) -> list[Any]:
    """The input's ONNX dims with `--input H x W x C` (or F) put in, so every shape follows it;
    an override that does not fit is left to the spec, which reports it."""
    if not override:
        return dims
    parts = [p for p in re.split(r"\s*[x×X,]\s*", override.strip().strip("[]")) if p]
    sizes = [int(p) if p.isdigit() else _symbol(p, "D") for p in parts]
    if len(dims) == 4 and len(sizes) == 3:
        return [dims[0], sizes[2], sizes[0], sizes[1]]
    if len(dims) == 3 and len(sizes) == 3 and sizes[1] == 1:
        return [dims[0], sizes[2], sizes[0]]
    if len(dims) == 2 and len(sizes) == 1:
        return [dims[0], sizes[0]]
    return dims
