"""Small ONNX models built with onnx.helper for the reader's tests, and onnxruntime as the
independent source of every tensor's shape (each node output made a graph output)."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from cnncalc.analysis import analyze_text
from cnncalc.report import Report


class Graph:
    """Nodes in order; `weight` adds a float initializer, `const` an int64 one."""

    def __init__(self, shape: list[Any], name: str = "x") -> None:
        self.input = helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.rng = np.random.default_rng(0)
        self.last = name
        self.weights: set[str] = set()

    def weight(self, name: str, dims: list[int]) -> str:
        data = self.rng.standard_normal(dims).astype(np.float32)
        if name.endswith("var"):
            data = np.abs(data) + 0.5
        self.inits.append(numpy_helper.from_array(data, name))
        self.weights.add(name)
        return name

    def const(self, name: str, values: list[int] | list[float], dtype: Any = np.int64) -> str:
        self.inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name

    def node(self, op: str, inputs: list[str] | None = None, name: str | None = None, outputs: int = 1,
             domain: str = "", **attrs: Any) -> str:
        name = name or f"{op.lower()}{len(self.nodes)}"
        ins = [self.last] if inputs is None else inputs
        outs = [name] if outputs == 1 else [f"{name}:{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, ins, outs, name=name, domain=domain or None, **attrs))
        self.last = outs[0]
        return outs[0]

    def model(self, outputs: list[str] | None = None, opset: int = 20) -> Any:
        outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs or [self.last]]
        graph = helper.make_graph(self.nodes, "test", [self.input], outs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        return model


def read(model: Any, filename: str = "model.onnx", input_size: str | None = None) -> Report:
    return analyze_text(model.SerializeToString(), filename, input_override=input_size)


def runtime_shapes(model: Any, feed_shape: list[int]) -> dict[str, tuple[int, ...]]:
    """Every node output's shape as onnxruntime computes it on a random input."""
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    known = {o.name for o in probe.graph.output}
    for n in probe.graph.node:
        for o in n.output:
            if o and o not in known:
                probe.graph.output.append(helper.make_empty_tensor_value_info(o))
                known.add(o)
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).standard_normal(feed_shape).astype(np.float32)
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {session.get_inputs()[0].name: x})
    return {n: tuple(v.shape) for n, v in zip(names, values)}


def ours(shape: tuple[int, ...]) -> tuple[int, ...]:
    """onnxruntime's N x C x H x W as cnncalc's n_H x n_W x n_C (N x C x L as L x 1 x C; N x F as F)."""
    if len(shape) == 4:
        return (shape[2], shape[3], shape[1])
    if len(shape) == 3:
        return (shape[2], 1, shape[1])
    return tuple(shape[1:])


def initializer_total(model: Any, names: set[str] | None = None) -> int:
    """The values of the model's float initializers (those named, when `names` is given)."""
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer
               if t.data_type == TensorProto.FLOAT and (names is None or t.name in names))
