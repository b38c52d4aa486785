"""An ONNX ModelProto decoded from the protobuf wire format into plain Python views, without the
`onnx` package (nor numpy): the graph's inputs, outputs and value_info with their dims, its nodes
with their attributes, its initializers' names, dims and types, the opset imports and producer.

Only what the reader uses is decoded; every other field is skipped by its length. A large
initializer's payload (over `KEEP_BYTES`: a weight) is never read nor copied: its size comes
from its dims. A small one (shape and axis constants, Clip's bounds) keeps its message bytes,
and `onnx_values` decodes its values when a rule asks. Subgraphs (If, Loop) are not entered.

Untrusted bytes: every length is checked against its message (`onnx_wire.fields`), no recursion
follows the file's nesting, a tensor has at most `MAX_RANK` dims each under 2^62, and anything
else malformed is a `WireError` (a field of the wrong wire type, text that is not UTF-8).
Field numbers are onnx.proto's (onnx 1.17); see `onnx_wire` for the wire format.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from .onnx_wire import KEEP_BYTES, WireError, fields, signed, varint


class LimitError(WireError):
    """A file over one of the bounds below: a message of its own, not 'not an ONNX model'."""


MAX_RANK = 64
MAX_DIM = 1 << 62
# bounded memory on untrusted files: a few times what the largest real models hold
MAX_NODES = 200_000
MAX_NODE_TENSORS = 100_000  # inputs + outputs of one node
MAX_VALUES = 1_000_000  # initializers, graph inputs, outputs and value_info
MAX_TENSORS = 2_000_000  # node inputs + outputs in all


@dataclass(slots=True)
class Tensor:
    """A TensorProto: name, dims and element type; `body` is the whole message when it is small."""

    name: str = ""
    dims: tuple[int, ...] = ()
    data_type: int = 0
    external: bool = False  # data_location EXTERNAL: the values are in another file
    body: bytes | None = None


@dataclass(slots=True)
class ValueInfo:
    """A graph input, output or value_info: its name and dims (int, a dim_param str or None),
    or None for dims when the type has no tensor shape."""

    name: str = ""
    dims: list[Any] | None = None


@dataclass(slots=True)
class Node:
    """A NodeProto; `attrs` holds its decoded attributes, `bad` what made one unreadable (the
    reader reports it at the node)."""

    input: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    name: str = ""
    op_type: str = ""
    domain: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    bad: str = ""


@dataclass(slots=True)
class Graph:
    name: str = ""
    node: list[Node] = field(default_factory=list)
    initializer: list[Tensor] = field(default_factory=list)
    input: list[ValueInfo] = field(default_factory=list)
    output: list[ValueInfo] = field(default_factory=list)
    value_info: list[ValueInfo] = field(default_factory=list)
    tensors: int = 0  # node inputs and outputs read so far


@dataclass(slots=True)
class Model:
    ir_version: int = 0
    producer_name: str = ""
    producer_version: str = ""
    opset_import: dict[str, int] = field(default_factory=dict)  # domain ('' for ai.onnx) -> version
    graph: Graph | None = None


# ---- field readers ------------------------------------------------------------------------------


def _text(buf: memoryview, at: int, stop: int, what: str) -> str:
    try:
        return str(buf[at:stop], "utf-8")
    except UnicodeDecodeError:
        raise WireError(f"{what} is not UTF-8 text") from None


def _want(wire: int, expected: int, what: str) -> None:
    if wire != expected:
        raise WireError(f"{what} has wire type {wire}, not {expected}")


def _ints(buf: memoryview, wire: int, at: int, stop: int, out: list[int], what: str) -> None:
    """A repeated integer field: one varint (wire 0) or a packed run of them (wire 2)."""
    if wire == 0:
        out.append(signed(varint(buf, at, stop)[0]))
    elif wire == 2:
        while at < stop:
            value, at = varint(buf, at, stop)
            out.append(signed(value))
    else:
        raise WireError(f"{what} has wire type {wire}")


def _floats(buf: memoryview, wire: int, at: int, stop: int, out: list[float], what: str, size: int = 4) -> None:
    """A repeated float (size 4, wire 5) or double (size 8, wire 1) field, packed (wire 2) or not."""
    fmt = "<f" if size == 4 else "<d"
    if wire == (5 if size == 4 else 1):
        out.append(struct.unpack_from(fmt, buf, at)[0])
    elif wire == 2:
        if (stop - at) % size:
            raise WireError(f"{what}: a packed run of {stop - at} bytes")
        out.extend(v for (v,) in struct.iter_unpack(fmt, buf[at:stop]))
    else:
        raise WireError(f"{what} has wire type {wire}")


def _int(buf: memoryview, wire: int, at: int, stop: int, what: str) -> int:
    _want(wire, 0, what)
    return signed(varint(buf, at, stop)[0])


# ---- messages -----------------------------------------------------------------------------------


def tensor(buf: memoryview, start: int, end: int) -> Tensor:
    t = Tensor()
    dims: list[int] = []
    for number, wire, _, at, stop in fields(buf, start, end):
        if number == 1:
            _ints(buf, wire, at, stop, dims, "TensorProto.dims")
            if len(dims) > MAX_RANK:
                raise WireError(f"a tensor with more than {MAX_RANK} dims")
        elif number == 2:
            t.data_type = _int(buf, wire, at, stop, "TensorProto.data_type")
        elif number == 8:
            _want(wire, 2, "TensorProto.name")
            t.name = _text(buf, at, stop, "a tensor name")
        elif number == 14:
            t.external = _int(buf, wire, at, stop, "TensorProto.data_location") == 1
    bad = [d for d in dims if not 0 <= d < MAX_DIM]
    if bad:
        raise WireError(f"tensor '{t.name}' has dimension {bad[0]}")
    t.dims = tuple(dims)
    if end - start <= KEEP_BYTES and not t.external:
        t.body = bytes(buf[start:end])
    return t


def _dims(buf: memoryview, start: int, end: int) -> list[Any]:
    """A TensorShapeProto's dims: int dim_value, str dim_param, or None (neither, or negative)."""
    out: list[Any] = []
    for number, wire, _, at, stop in fields(buf, start, end):
        if number != 1:
            continue
        _want(wire, 2, "TensorShapeProto.dim")
        value: Any = None
        for n, w, _, a, s in fields(buf, at, stop):
            if n == 1:
                got = _int(buf, w, a, s, "dim_value")
                value = got if 0 <= got < MAX_DIM else None
            elif n == 2:
                _want(w, 2, "dim_param")
                value = _text(buf, a, s, "a dim_param") or None
        out.append(value)
        if len(out) > MAX_RANK:
            raise WireError(f"a shape with more than {MAX_RANK} dims")
    return out


def value_info(buf: memoryview, start: int, end: int) -> ValueInfo:
    info = ValueInfo()
    for number, wire, _, at, stop in fields(buf, start, end):
        if number == 1:
            _want(wire, 2, "ValueInfoProto.name")
            info.name = _text(buf, at, stop, "a value name")
        elif number == 2:
            _want(wire, 2, "ValueInfoProto.type")
            info.dims = None
            for n, w, _, a, s in fields(buf, at, stop):
                if n == 1:  # tensor_type
                    _want(w, 2, "TypeProto.tensor_type")
                    for n2, w2, _, a2, s2 in fields(buf, a, s):
                        if n2 == 2:
                            _want(w2, 2, "TypeProto.Tensor.shape")
                            info.dims = _dims(buf, a2, s2)
    return info


def node(buf: memoryview, start: int, end: int) -> Node:
    n = Node()
    for number, wire, _, at, stop in fields(buf, start, end):
        if number in (1, 2, 3, 4, 7):
            _want(wire, 2, "a NodeProto string")
            text = _text(buf, at, stop, "a node's text")
            if number == 1:
                n.input.append(text)
            elif number == 2:
                n.output.append(text)
            elif number == 3:
                n.name = text
            elif number == 4:
                n.op_type = text
            else:
                n.domain = text
        elif number == 5:
            _want(wire, 2, "NodeProto.attribute")
            try:
                name, value = _attribute(buf, at, stop)
                n.attrs[name] = value
            except (WireError, struct.error) as exc:
                n.bad = n.bad or str(exc)
        if len(n.input) + len(n.output) > MAX_NODE_TENSORS:
            raise LimitError(f"a node has more than {MAX_NODE_TENSORS:,} inputs and outputs")
    return n


def graph(buf: memoryview, start: int, end: int, g: Graph) -> Graph:
    """Read a GraphProto into `g` (a second `graph` field of the model merges into the first)."""
    for number, wire, _, at, stop in fields(buf, start, end):
        if number in (1, 5, 11, 12, 13):
            _want(wire, 2, f"GraphProto field {number}")
        if number == 1:
            g.node.append(node(buf, at, stop))
            g.tensors += len(g.node[-1].input) + len(g.node[-1].output)
            if len(g.node) > MAX_NODES or g.tensors > MAX_TENSORS:
                raise LimitError(f"the graph has more than {MAX_NODES:,} nodes or {MAX_TENSORS:,} node inputs "
                                 "and outputs")
        elif number == 2:
            _want(wire, 2, "GraphProto.name")
            g.name = _text(buf, at, stop, "the graph's name")
        elif number == 5:
            g.initializer.append(tensor(buf, at, stop))
        elif number == 11:
            g.input.append(value_info(buf, at, stop))
        elif number == 12:
            g.output.append(value_info(buf, at, stop))
        elif number == 13:
            g.value_info.append(value_info(buf, at, stop))
        if len(g.initializer) + len(g.input) + len(g.output) + len(g.value_info) > MAX_VALUES:
            raise LimitError(f"the graph has more than {MAX_VALUES:,} initializers and values")
    return g


def model(data: Any) -> Model:
    """The Model of a file's bytes (bytes or an mmap). Raises WireError."""
    with memoryview(data) as buf:  # type: ignore[arg-type]
        m = Model()
        for number, wire, _, at, stop in fields(buf, 0, len(buf)):
            if number == 1:
                m.ir_version = _int(buf, wire, at, stop, "ModelProto.ir_version")
            elif number in (2, 3):
                _want(wire, 2, "ModelProto.producer")
                text = _text(buf, at, stop, "the producer")
                if number == 2:
                    m.producer_name = text
                else:
                    m.producer_version = text
            elif number == 7:
                _want(wire, 2, "ModelProto.graph")
                m.graph = graph(buf, at, stop, m.graph or Graph())
            elif number == 8:
                _want(wire, 2, "ModelProto.opset_import")
                domain, version = "", 1
                for n, w, _, a, s in fields(buf, at, stop):
                    if n == 1:
                        _want(w, 2, "OperatorSetIdProto.domain")
                        domain = _text(buf, a, s, "an opset domain")
                    elif n == 2:
                        version = _int(buf, w, a, s, "OperatorSetIdProto.version")
                m.opset_import["" if domain == "ai.onnx" else domain] = version
        return m


# ---- attributes ---------------------------------------------------------------------------------

# AttributeProto.type: FLOAT 1, INT 2, STRING 3, TENSOR 4, GRAPH 5, FLOATS 6, INTS 7, STRINGS 8,
# TENSORS 9, GRAPHS 10, SPARSE_TENSOR 11, SPARSE_TENSORS 12, TYPE_PROTO 13, TYPE_PROTOS 14
_FIELD_OF_TYPE = {1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 9, 9: 10, 10: 11, 11: 22, 12: 23, 13: 14, 14: 15}
_REPEATED = {6, 7, 8, 9, 10, 12, 14}
GRAPH = object()  # a subgraph's value: not entered


def attributes(n: Node) -> dict[str, Any]:
    """The node's attributes by name, as onnx.helper.get_attribute_value gives them (a string as
    str, a tensor as a Tensor, a subgraph as GRAPH). Raises WireError."""
    if n.bad:
        raise WireError(n.bad)
    return n.attrs


def _attribute(buf: memoryview, start: int, end: int) -> tuple[str, Any]:
    name, kind = "", 0
    seen: dict[int, list[tuple[int, int, int]]] = {}
    for number, wire, _, at, stop in fields(buf, start, end):
        if number == 1:
            _want(wire, 2, "AttributeProto.name")
            name = _text(buf, at, stop, "an attribute name")
        elif number == 20:
            kind = _int(buf, wire, at, stop, "AttributeProto.type")
        else:
            seen.setdefault(number, []).append((wire, at, stop))
    if not name:
        raise WireError("an attribute without a name")
    if kind == 0:  # files before IR 2 leave the type out: the field that is set says it
        kind = next((k for k, f in _FIELD_OF_TYPE.items() if f in seen and k not in (5, 10)), 0)
    number = _FIELD_OF_TYPE.get(kind)
    if number is None:
        raise WireError(f"attribute '{name}' has type {kind}")
    found = seen.get(number, [])
    if kind in (5, 10, 11, 12, 13, 14):
        return name, [GRAPH] * len(found) if kind in _REPEATED else GRAPH
    values: list[Any] = []
    for wire, at, stop in found:
        if kind in (1, 6):
            _floats(buf, wire, at, stop, values, f"attribute '{name}'")
        elif kind in (2, 7):
            _ints(buf, wire, at, stop, values, f"attribute '{name}'")
        elif kind in (3, 8):
            _want(wire, 2, f"attribute '{name}'")
            values.append(_text(buf, at, stop, f"attribute '{name}'"))
        else:  # 4, 9: tensors
            _want(wire, 2, f"attribute '{name}'")
            values.append(tensor(buf, at, stop))
    if kind in _REPEATED:
        return name, values
    if not values:
        raise WireError(f"attribute '{name}' has no value")
    return name, values[-1]
