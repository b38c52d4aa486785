"""ONNX writer for `operator`: an operator of an imported ONNX model that cnncalc has no
arithmetic for. It is re-emitted as the file has it, so that onnxruntime runs it:

- the node is found again in its file (the row's place, `model.onnx: node 17 (...)`, read from the
  bytes the caller passed or from the file on disk), its op type and attributes copied;
- only standard ONNX operators (domain '' / ai.onnx) are written; one whose definition changed
  between the file's opset and ours is taken from the file converted by onnx.version_converter;
- its activation inputs are our tensors; its constant inputs (integer initializers, Constant
  nodes) are Constant nodes holding the file's values, and so is shape arithmetic the reader
  folded away, its value computed for our input (`onnx_folded`); its floating-point initializers are
  random initializers `layer.inputN` (uniform 0.5 .. 1.5: safe under Sqrt, Log or a division), as
  many values as the row counts as params + buffers; one the row does not count (a weight an
  earlier node counted) is a Constant node of random values, which ONNX does not count either;
- ONNX shape inference must give the row's output shape (checked after the whole graph is written).

An `operator` written in YAML has no file to be read again: it is written when it is a standard
operator with no weights and no attributes needed (such as Erf); anything else is a located
error saying why (exit 2).
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import CnnError
from ..graph import INPUT, Leaf
from ..layers import Shape
from .onnx_folded import depends_on_values, fold
from .onnx_model import OPSET, Model, nchw

_FLOAT_TYPES = {1, 10, 11, 16}  # FLOAT, FLOAT16, DOUBLE, BFLOAT16
_PLACE = re.compile(r"node (\d+) \(")
_CONSTANT_ATTRS = {"value_float": (1, False), "value_floats": (1, True), "value_int": (7, False),
                   "value_ints": (7, True)}  # fmt: skip


def operator(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    import onnx

    layer = leaf.layer
    found = _original(m, leaf)
    if found is None:
        return _from_yaml(m, leaf, onnx)
    model, node = found
    graph = model.graph
    if node.domain not in ("", "ai.onnx") or not onnx.defs.has(node.op_type):
        raise _refuse(leaf, f"{node.op_type} (domain {node.domain or 'ai.onnx'}) is not a standard ONNX operator, "
                            "so onnxruntime has no implementation of it to run")
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
        raise _refuse(leaf, f"{node.op_type} holds subgraphs, which are not re-emitted")
    if node.op_type != layer.type:
        raise _refuse(leaf, f"node is {node.op_type} in the file, not {layer.type}: the file changed since it was read")
    producers = {o: n for n in graph.node for o in n.output}
    inits = {t.name: t for t in graph.initializer}
    budget = int(leaf.cost.params) + int(leaf.cost.buffers)
    args, acts, shared = [], list(leaf.inputs), []
    for i, t in enumerate(node.input):
        if not t:
            args.append("")
            continue
        tensor = _constant(t, inits, producers, onnx)
        if tensor is None and not depends_on_values(t, graph, producers, set(inits)):
            # shape arithmetic the reader folded: its value for our input, a Constant node
            tensor = fold(t, model, nchw(m.shapes[INPUT]), m.cache)
            if tensor is None:
                raise _refuse(leaf, f"input {i} ('{t}') is computed from shapes in the file (folded when it was "
                                    "read), and its value cannot be computed here")
            args.append(m.constant(f"{leaf.name}/input{i}", tensor))
        elif tensor is None:  # an activation: ours, in order
            if not acts:
                raise _refuse(leaf, f"input {i} ('{t}') reads a tensor the row does not")
            args.append(acts.pop(0))
        elif tensor.data_type in _FLOAT_TYPES and tensor.name in inits and inits[tensor.name] is tensor:
            dims, size = [int(d) for d in tensor.dims], _numel(tensor)
            if size <= budget:
                budget -= size
                args.append(m.weight(f"{leaf.name}.input{i}", dims, max(size, 1), "positive"))
            else:
                shared.append(i)
                args.append(m.constant(f"{leaf.name}/input{i}", _random(m, dims)))
        else:
            if tensor.data_location == onnx.TensorProto.EXTERNAL:
                raise _refuse(leaf, f"input {i} ('{t}') keeps its values in an external file")
            args.append(m.constant(f"{leaf.name}/input{i}", tensor))
    if acts or budget:
        raise _refuse(leaf, f"its inputs in the file do not match the row ({len(acts)} activations and {budget} "
                            "weight values left over)")
    doc = f"{node.op_type} re-emitted from {os.path.basename(leaf.loc.file)} ({getattr(leaf.loc, 'place', '')})"
    if shared:
        doc += f"; inputs {', '.join(map(str, shared))} are weights an earlier node counted: Constant nodes here"
    outputs = [leaf.name] + [f"{leaf.name}/output{k}" if o else "" for k, o in enumerate(node.output[1:], 1)]
    new = onnx.helper.make_node(node.op_type, args, outputs, name=leaf.name, doc_string=doc)
    new.attribute.extend(node.attribute)
    _check_node(leaf, new, onnx)
    m.nodes.append(new)
    m.cache.setdefault("verify", []).append(leaf)
    m.notes["operator"] = ("Operators cnncalc has no arithmetic for are written again from the file they were "
                           "read from, their weights random uniform(0.5, 1.5)")
    return leaf.name


def _from_yaml(m: Model, leaf: Leaf, onnx: Any) -> str:
    layer = leaf.layer
    if not onnx.defs.has(layer.type):
        raise _refuse(leaf, f"{layer.type} is not a standard ONNX operator (and the row was not read from an "
                            ".onnx file, so neither its domain nor its attributes are known)")
    if int(leaf.cost.params) or int(leaf.cost.buffers):
        raise _refuse(leaf, f"the shapes of its {int(leaf.cost.params) + int(leaf.cost.buffers)} weight values are "
                            "not recorded (the row was not read from an .onnx file)")
    new = onnx.helper.make_node(layer.type, list(leaf.inputs), [leaf.name], name=leaf.name,
                                doc_string=f"{layer.type} as written in the YAML file: no attributes")
    _check_node(leaf, new, onnx)
    m.nodes.append(new)
    m.cache.setdefault("verify", []).append(leaf)
    return leaf.name


def verify_shapes(m: Model, model: Any) -> None:
    """Every re-emitted operator's output, as ONNX shape inference gives it, is the row's."""
    leaves = m.cache.get("verify", [])
    if not leaves:
        return
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    except Exception as exc:  # noqa: BLE001 - onnx's InferenceError, ...
        raise _refuse(leaves[0], f"ONNX shape inference fails on it ({str(exc).splitlines()[0][:200]})") from None
    shapes = {v.name: v.type.tensor_type.shape for v in [*inferred.graph.value_info, *inferred.graph.output]}
    for leaf in leaves:
        shape = shapes.get(leaf.name)
        dims = None if shape is None else [d.dim_value if d.HasField("dim_value") else None for d in shape.dim]
        if dims != nchw(leaf.output):
            raise _refuse(leaf, f"ONNX shape inference gives {dims}, not its recorded output {nchw(leaf.output)}")


def _original(m: Model, leaf: Leaf) -> tuple[Any, Any] | None:
    """(model, node) of the row in its .onnx file; None when the row was not read from one."""
    match = _PLACE.match(getattr(leaf.loc, "place", "") or "")
    if match is None:
        return None
    model = m.cache.get("source")
    if model is None:
        model = m.cache["source"] = _load(m, leaf)
    index = int(match.group(1))
    nodes = model.graph.node
    if index >= len(nodes):
        raise _refuse(leaf, f"the file has {len(nodes)} nodes, not a node {index}: it changed since it was read")
    node = nodes[index]
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), OPSET)
    if node.domain in ("", "ai.onnx") and _changed(node.op_type, opset):
        model = m.cache.get("converted")
        if model is None:
            model = m.cache["converted"] = _convert(m.cache["source"], leaf, node.op_type, opset)
        # the converter may add nodes (Constant axes): the node is the one writing the same tensor
        written = node.output[0] if node.output else None
        node = next((n for n in model.graph.node if n.output and n.output[0] == written), None)
        if node is None or node.op_type != leaf.layer.type:
            raise _refuse(leaf, f"the file converted to opset {OPSET} no longer has it (node {index})")
    return model, node


def _load(m: Model, leaf: Leaf) -> Any:
    import onnx

    try:
        if m.source is not None:
            return onnx.load_from_string(bytes(m.source))
        path = leaf.loc.file
        if not os.path.isfile(path):
            raise _refuse(leaf, f"its file {path} is not at hand to read it again (read it from a file, not "
                                "standard input)")
        return onnx.load(path, load_external_data=False)
    except CnnError:
        raise
    except Exception as exc:  # noqa: BLE001 - protobuf's DecodeError, OSError, ...
        raise _refuse(leaf, f"its file cannot be read again ({type(exc).__name__})") from None


def _changed(op: str, opset: int) -> bool:
    import onnx

    try:
        then = onnx.defs.get_schema(op, opset, "").since_version
    except Exception:  # noqa: BLE001 - onnx's SchemaError: no definition at that opset
        return True
    return bool(then != onnx.defs.get_schema(op, OPSET, "").since_version)


def _convert(model: Any, leaf: Leaf, op: str, opset: int) -> Any:
    import onnx

    try:
        return onnx.version_converter.convert_version(model, OPSET)
    except Exception:  # noqa: BLE001 - the converter's own errors
        raise _refuse(leaf, f"{op} changed between the file's opset {opset} and opset {OPSET}, and "
                            "onnx.version_converter cannot convert the file") from None


def _constant(t: str, inits: dict[str, Any], producers: dict[str, Any], onnx: Any) -> Any | None:
    """The value of tensor t when it is a constant of the file (through Identity nodes), else None."""
    for _ in range(len(producers) + 1):
        if t in inits:
            return inits[t]
        node = producers.get(t)
        if node is None:
            return None
        if node.op_type == "Identity" and node.domain in ("", "ai.onnx"):
            t = node.input[0]
            continue
        if node.op_type != "Constant":
            return None
        for a in node.attribute:
            if a.name == "value":
                return a.t
            if a.name in _CONSTANT_ATTRS:
                kind, many = _CONSTANT_ATTRS[a.name]
                values = list(onnx.helper.get_attribute_value(a))
                return onnx.helper.make_tensor(t, kind, [len(values)] if many else [], values if many else values[:1])
        return None
    return None


def _numel(tensor: Any) -> int:
    n = 1
    for d in tensor.dims:
        n *= int(d)
    return n


def _random(m: Model, dims: list[int]) -> Any:
    from onnx import numpy_helper

    return numpy_helper.from_array(m.rng.uniform(0.5, 1.5, dims).astype(m.np.float32))


def _check_node(leaf: Leaf, node: Any, onnx: Any) -> None:
    ctx = onnx.checker.C.CheckerContext()
    ctx.ir_version = 10
    ctx.opset_imports = {"": OPSET}
    try:
        onnx.checker.check_node(node, ctx)
    except Exception as exc:  # noqa: BLE001 - onnx's ValidationError
        raise _refuse(leaf, f"ONNX's checker rejects it at opset {OPSET} ({str(exc).splitlines()[0][:200]})") from None


def _refuse(leaf: Leaf, why: str) -> CnnError:
    return CnnError(f"{leaf.name}: cannot export to ONNX: operator {getattr(leaf.layer, 'type', '')}: {why}", leaf.loc)
