"""ONNX `.onnx` -> a located cnncalc layer list (SPEC §1, issue 17), read statically.

The file is never run and its weights are never read: `onnx_wire.skeleton` drops the payload of
every large initializer, `onnx.load` parses what is left, and ONNX's own shape inference gives
the layout of every tensor (NCHW, read as cnncalc's n_H x n_W x n_C; a 1-D (N, C, L) tensor as
L x 1 x C; the batch axis is left out). Each node becomes a row named after it (dots made
underscores, as the Caffe reader does) and located at it (`model.onnx: node 17 (Conv 'name')`);
the per-operator rules are in `onnx_ops`. Shape arithmetic (Shape -> Gather -> Unsqueeze ->
Concat -> Reshape, as torch.onnx.export writes it) is folded away. Every floating-point
initializer the graph reads is counted once, in the first row that reads it: params (and
BatchNormalization's mean and variance as buffers) add up to the file's weight count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..errors import CnnError, Location
from ..source import Node
from ..spec import check_printable
from .build import Net

MISSING = "reading ONNX files needs the onnx package: pip install 'cnncalc[onnx]'"
_FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16 (TensorProto.DataType)
MAX_NODES = 200_000


@dataclass(frozen=True, slots=True)
class NodeLocation(Location):
    """A place in an ONNX file: `model.onnx: node 17 (Conv 'name')`; line and column stay 1."""

    place: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.place}" if self.place else self.file


def require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise CnnError(MISSING) from None
    return onnx


def read_model(data: Any, filename: str) -> Any:
    """The ModelProto of the file's bytes (an mmap), without its large weights' payloads."""
    onnx = require_onnx()
    import io

    from .onnx_wire import WireError, skeleton

    try:
        body = skeleton(data)
        model = onnx.load(io.BytesIO(body), load_external_data=False)
    except (WireError, Exception) as exc:  # noqa: BLE001 - WireError, protobuf's DecodeError, ...
        raise CnnError(f"not an ONNX model ({type(exc).__name__}: {exc})"[:300], Location(filename)) from None
    if not model.HasField("graph") or not model.graph.node:
        raise CnnError("not an ONNX model (no graph with nodes)", Location(filename))
    if len(model.graph.node) > MAX_NODES:
        raise CnnError(f"the graph has {len(model.graph.node):,} nodes, more than the limit of {MAX_NODES:,}",
                       Location(filename))
    return model


def load(data: Any, filename: str, input_override: str | None = None) -> Node:
    model = read_model(data, filename)
    reader = Reader(model, filename)
    reader.run()
    graph = model.graph
    title = graph.name or PurePath(filename).stem
    check_printable(title, Location(filename), "network")
    producer = f" (from {model.producer_name} {model.producer_version})".rstrip() if model.producer_name else ""
    reference = f"ONNX model {PurePath(filename).name}{producer}"
    return reader.net.root(title, reader.input_shape, Location(filename), reference)


def _symbol(name: str, fallback: str) -> str:
    word = re.sub(r"\W", "_", name or "")
    if not word or not re.fullmatch(r"[A-Za-z_]\w*", word):
        word = fallback if not word else f"d_{word}"
    return word


def ours(dims: list[Any] | None) -> list[Any] | None:
    """ONNX N x C x H x W -> [H, W, C]; N x C x L -> [L, 1, C]; N x F -> [F]; else None."""
    if dims is None:
        return None
    if len(dims) == 4:
        return [dims[2], dims[3], dims[1]]
    if len(dims) == 3:
        return [dims[2], 1, dims[1]]
    if len(dims) == 2:
        return [dims[1]]
    return None


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
    def __init__(self, model: Any, filename: str) -> None:
        self.model = model
        self.filename = filename
        self.net = Net(filename)
        self.src: dict[str, str] = {}  # activation tensor -> the row that writes it ('input')
        self.const: dict[str, Any] = {}  # constant tensor -> its value (numpy) or None if unknown
        self.inits: dict[str, Any] = {}
        self.claimed: set[str] = set()
        self.shapes: dict[str, list[Any]] = {}
        self.consumers: dict[str, list[int]] = {}
        self.skip: set[int] = set()
        self.input_shape: Any = None
        self.nodes: list[Any] = []
        self.opset = 1
        self.symbols: dict[str, str] = {}
        self.canon: dict[str, str] = {}  # Identity of an initializer -> the initializer

    # ---- set up -------------------------------------------------------------------------------

    def run(self) -> None:
        from . import onnx_fold, onnx_ops

        graph = self.model.graph
        for imp in self.model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                self.opset = imp.version
        for t in graph.initializer:
            self.inits[t.name] = t
            self.const[t.name] = None  # values are read on demand (`value`)
        self.infer_shapes()
        self.read_input()
        self.nodes = list(graph.node)
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
            onnx_ops.convert(self, view)
        self.check_outputs()

    def infer_shapes(self) -> None:
        onnx = require_onnx()
        try:
            inferred = onnx.shape_inference.infer_shapes(self.model, data_prop=True)
        except Exception:  # noqa: BLE001 - inference is a help: without it, fewer operators read
            inferred = self.model
        g = inferred.graph
        for vi in (*g.input, *g.value_info, *g.output):
            dims = _dims_of(vi)
            if dims is not None:
                self.shapes[vi.name] = dims

    def read_input(self) -> None:
        graph = self.model.graph
        real = [i for i in graph.input if i.name not in self.inits]
        if not real:
            raise CnnError("the graph has no input (every input is an initializer)", Location(self.filename))
        first = real[0]
        for extra in real[1:]:
            raise CnnError(f"the graph has {len(real)} inputs ('{first.name}', '{extra.name}', ...); "
                           "cnncalc reads networks of one input", Location(self.filename))
        check_printable(first.name, Location(self.filename), "input")
        dims = _dims_of(first)
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

    def symbol(self, name: str | None, fallback: str) -> str:
        key = name or fallback
        if key not in self.symbols:
            self.symbols[key] = _symbol(name or "", fallback)
        return self.symbols[key]

    def view(self, index: int, n: Any) -> View:
        from onnx import helper

        op = n.op_type
        label = n.name or ""
        check_printable(label, NodeLocation(self.filename, 1, 1, f"node {index} ({op})"), "node")
        place = f"node {index} ({op} '{label}')" if label else f"node {index} ({op})"
        loc = NodeLocation(self.filename, 1, 1, place)
        try:
            attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        except Exception as exc:  # noqa: BLE001 - a malformed attribute
            raise CnnError(f"unreadable attribute ({exc})", loc) from None
        return View(index, op, n.domain or "", label, list(n.input), list(n.output), attrs, loc, n)

    def foldable(self, v: View) -> bool:
        """Shape arithmetic: every input a constant, or the Shape of any tensor."""
        if v.op in ("Shape", "Size"):
            return True
        present = [t for t in v.inputs if t]
        return all(t in self.const for t in present) and v.op not in ("RandomNormal", "RandomUniform")

    def check_outputs(self) -> None:
        for out in self.model.graph.output:
            if out.name not in self.src and out.name not in self.const:
                raise CnnError(f"graph output '{out.name}' is written by no node", Location(self.filename))

    # ---- what the rules use ------------------------------------------------------------------

    def is_const(self, t: str) -> bool:
        return t in self.const

    def c(self, t: str) -> str:
        """The initializer a tensor is (through Identity nodes: torch.onnx.export writes one for
        each tensor it merged with an identical one), or the tensor itself."""
        return self.canon.get(t, t)

    def value(self, t: str) -> Any:
        """The value of a constant tensor (numpy), or None when unknown (a large or dropped one)."""
        t = self.c(t)
        if t not in self.const:
            return None
        got = self.const[t]
        if got is None and t in self.inits:
            tensor = self.inits[t]
            if not _has_data(tensor):
                return None
            from onnx import numpy_helper

            try:
                got = numpy_helper.to_array(tensor)
            except Exception:  # noqa: BLE001 - external or malformed data
                return None
            self.const[t] = got
        return got

    def ints(self, t: str) -> list[Any] | None:
        v = self.value(t)
        if v is None:
            return None
        return [x if isinstance(x, str) else int(x) for x in v.reshape(-1).tolist()]

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
        if self.c(t) in self.inits:
            return list(self.inits[self.c(t)].dims)
        return self.shapes.get(t)

    def rank(self, t: str) -> int | None:
        d = self.dims(t)
        return None if d is None else len(d)

    def row(self, kind: str, v: View, args: dict[str, Any] | None = None, inputs: list[str] | None = None,
            output: int | None = 0, suffix: str = "") -> str:
        """Add a row for node `v` reading the activation tensors `inputs`; it writes v.outputs[output]."""
        sources = []
        for t in inputs if inputs is not None else [t for t in v.inputs[:1]]:
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
        return name

    def alias(self, v: View, source: str, output: int = 0) -> None:
        """v's output is the tensor `source` (a no-op node): no row."""
        self.src[v.outputs[output]] = self.src[source]

    def only_consumer(self, t: str) -> Any | None:
        """The node that alone reads `t` (and `t` is no graph output), or None."""
        users = self.consumers.get(t, [])
        if len(users) != 1 or any(o.name == t for o in self.model.graph.output):
            return None
        return users[0]

    def ours(self, t: str) -> list[Any] | None:
        """Tensor t's shape in cnncalc's layout, when inference gave it and it is concrete."""
        shape = ours(self.shapes.get(t))
        if shape is None or not all(isinstance(d, int) and d > 0 for d in shape):
            return None
        return shape


def _dims_of(vi: Any) -> list[Any] | None:
    t = vi.type
    if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
        return None
    out: list[Any] = []
    for d in t.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            out.append(int(d.dim_value))
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


def _has_data(tensor: Any) -> bool:
    if tensor.data_location == 1:  # EXTERNAL
        return False
    return bool(tensor.raw_data) or any(
        len(getattr(tensor, f)) for f in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data")
    ) or not any(tensor.dims)  # a scalar or empty tensor
