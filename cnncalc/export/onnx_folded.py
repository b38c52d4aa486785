"""The value of a tensor of an imported ONNX file that is shape arithmetic (Shape -> Gather ->
Concat -> ..., as torch.onnx.export writes it), for an operator re-emitted from that file.

The reader folds such arithmetic away; to write the operator again its value is needed. With
the network's concrete input (batch 1, as the export), ONNX shape inference gives the shape of
every tensor; each `Shape` / `Size` the arithmetic reads is replaced by a constant of that shape,
and onnx's reference evaluator runs the few nodes left (integers only: no convolution is run).
"""

from __future__ import annotations

import re
from typing import Any

_PLACE = re.compile(r"node (\d+) \(")
MAX_NODES = 10_000  # shape arithmetic is a handful of nodes; more is not that


def depends_on_values(t: str, graph: Any, producers: dict[str, Any], inits: set[str]) -> bool:
    """True when tensor t is computed from the values of the graph's input (an activation);
    False when it is computed from constants and shapes alone."""
    seen: set[str] = set()
    todo = [t]
    while todo:
        name = todo.pop()
        if not name or name in seen or name in inits:
            continue
        seen.add(name)
        node = producers.get(name)
        if node is None:
            return True  # a graph input
        if node.op_type in ("Shape", "Size") or len(seen) > MAX_NODES:
            continue
        todo.extend(node.input)
    return False


def fold(t: str, model: Any, our_input: list[int], cache: dict[str, Any]) -> Any | None:
    """Tensor t's value (a TensorProto), or None when it cannot be computed here."""
    import numpy as np
    from onnx import helper, numpy_helper

    shapes = cache.get("shapes")
    if shapes is None:
        shapes = cache["shapes"] = _inferred_shapes(model, our_input, _ours(model, cache.get("leaves", [])))
    producers = {o: n for n in model.graph.node for o in n.output}
    inits = {i.name: i for i in model.graph.initializer}
    nodes: list[Any] = []
    needed: dict[str, Any] = {}
    seen: set[str] = set()
    todo = [t]
    while todo:
        name = todo.pop()
        if not name or name in seen:
            continue
        seen.add(name)
        if name in inits:
            needed[name] = inits[name]
            continue
        node = producers.get(name)
        if node is None or len(nodes) > MAX_NODES:
            return None
        if node.op_type in ("Shape", "Size"):
            dims = shapes.get(node.input[0])
            if dims is None:
                return None
            if node.op_type == "Size":
                value = np.array(int(np.prod(dims)), dtype=np.int64)
            else:
                attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
                value = np.array(dims[attrs.get("start", 0):attrs.get("end", len(dims))], dtype=np.int64)
            nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name)))
            continue
        nodes.append(node)
        todo.extend(node.input)
    nodes.reverse()  # producers first: the walk met consumers first
    order = _topological(nodes)
    graph = helper.make_graph(order, "fold", [], [helper.make_empty_tensor_value_info(t)], list(needed.values()))
    probe = helper.make_model(graph, opset_imports=list(model.opset_import))
    try:
        from onnx.reference import ReferenceEvaluator

        (value,) = ReferenceEvaluator(probe).run([t], {})
    except Exception:  # noqa: BLE001 - an operator the reference evaluator lacks, ...
        return None
    return numpy_helper.from_array(np.asarray(value), t)


def _topological(nodes: list[Any]) -> list[Any]:
    made = {o for n in nodes for o in n.output}
    done: set[str] = set()
    order: list[Any] = []
    rest = list(nodes)
    while rest:
        ready = [n for n in rest if all(i in done or i not in made or not i for i in n.input)]
        if not ready:
            return nodes
        for n in ready:
            order.append(n)
            done.update(n.output)
        rest = [n for n in rest if n not in ready]
    return order


def _ours(model: Any, leaves: list[Any]) -> dict[str, list[int]]:
    """The tensors whose shapes the reader found (its rows: `node 17` writes the row's output),
    N x C x H x W or N x units: where ONNX's own inference stops (an Expand by a computed shape),
    the reader's folding went on."""
    from .onnx_model import nchw

    nodes = model.graph.node
    known: dict[str, list[int]] = {}
    for leaf in leaves:
        match = _PLACE.match(getattr(leaf.loc, "place", "") or "")
        if match and int(match.group(1)) < len(nodes) and nodes[int(match.group(1))].output:
            known[nodes[int(match.group(1))].output[0]] = nchw(leaf.output)
    return known


def _inferred_shapes(model: Any, our_input: list[int], known: dict[str, list[int]]) -> dict[str, list[int]]:
    """Every tensor's concrete shape, the file's input fixed to ours (batch 1), with what the
    reader found beside ONNX's inference."""
    import onnx

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    if len(probe.graph.node) == len(model.graph.node):
        typed = {v.name for v in [*probe.graph.value_info, *probe.graph.output]}
        for name, dims in known.items():
            if name not in typed and len(dims) == len(our_input):
                probe.graph.value_info.append(onnx.helper.make_tensor_value_info(name, 1, dims))
    inits = {i.name for i in probe.graph.initializer}
    first = next((i for i in probe.graph.input if i.name not in inits), None)
    if first is not None:
        dims = first.type.tensor_type.shape.dim
        rank = len(dims)
        # ours is N x C x H x W, N x units, or (a 1-D file's N x C x L) N x C x L x 1
        values = our_input if rank == len(our_input) else our_input[:3] if rank == 3 else []
        if len(values) == rank:
            for d, v in zip(dims, values):
                d.Clear()
                d.dim_value = int(v)
    try:
        inferred = onnx.shape_inference.infer_shapes(probe, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is a help: without it, nothing is folded
        return {}
    out: dict[str, list[int]] = {}
    for v in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        dims = v.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            out[v.name] = [d.dim_value for d in dims]
    return {**{k: v for k, v in known.items() if len(v) == len(our_input)}, **out}
