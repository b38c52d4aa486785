"""The ONNX graph being written (`cnncalc export --to onnx`) and what every writer shares.

cnncalc's n_H x n_W x n_C is ONNX's N x C x H x W with a batch of one; a vector of units is N x
units. Weights are initializers named after the layer (`layer.weight`, ...), filled with random
values from a seeded generator; shape and axis constants are `Constant` nodes, which ONNX does not
count among the initializers, so the initializers hold exactly the network's params + buffers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnError
from ..graph import Leaf
from ..layers import Shape

OPSET = 20
SEED = 0
MISSING = "export --to onnx needs the onnx package: pip install 'cnncalc[onnx]'"


@dataclass
class Model:
    """The graph being written."""

    np: Any
    helper: Any
    rng: Any
    fill: bool = True
    file: str = ""  # the network's file: an imported operator is re-read from it
    source: Any = None  # that file's bytes, when the caller has them (else it is read from disk)
    nodes: list[Any] = field(default_factory=list)
    inits: list[Any] = field(default_factory=list)
    shapes: dict[str, Shape] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # added to the model's doc_string
    notes: dict[str, str] = field(default_factory=dict)  # the same, said once per key
    cache: dict[str, Any] = field(default_factory=dict)  # what a writer loads once (the source model)
    share: tuple[str, str, Any] | None = None  # (this layer, the layer whose weights it uses, where)
    made: dict[str, list[int]] = field(default_factory=dict)  # each initializer's dims

    def node(self, op: str, inputs: list[str], output: str, name: str | None = None, doc: str | None = None,
             **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=name or output, doc_string=doc, **attrs))
        return output

    def weight(self, name: str, dims: list[int], fan_in: int, kind: str = "normal") -> str:
        if self.share is not None and name.startswith(self.share[0] + "."):
            # a layer that `shares` another's weights reads that layer's initializer: counted once
            layer, first, loc = self.share
            target = first + name[len(layer):]
            if self.made.get(target) != list(dims):
                raise CnnError(f"{layer}: shares {first}'s weights, but its {name[len(layer) + 1:]} is "
                               f"{list(dims)}, not {self.made.get(target)}", loc)
            return target
        self.made[name] = list(dims)
        np = self.np
        if not self.fill:  # dims only, the data said to be in a file that is never written
            from onnx import TensorProto

            tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
            tensor.data_location = TensorProto.EXTERNAL
            entry = tensor.external_data.add()
            entry.key, entry.value = "location", "not-written.bin"
            self.inits.append(tensor)
            return name
        if kind == "normal":
            data = self.rng.standard_normal(dims, dtype=np.float32) / np.float32(max(fan_in, 1) ** 0.5)
        elif kind == "positive":  # variances
            data = self.rng.uniform(0.5, 1.5, dims).astype(np.float32)
        else:
            data = (self.rng.standard_normal(dims, dtype=np.float32) * np.float32(0.1)).astype(np.float32)
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(data, name))
        return name

    def ints(self, name: str, values: list[int]) -> str:
        """A Constant node holding int64 values (shapes, pads, axes): not an initializer."""
        tensor = self.helper.make_tensor(name, 7, [len(values)], [int(v) for v in values])
        return self.node("Constant", [], name, name, value=tensor)

    def floats(self, name: str, values: list[float]) -> str:
        tensor = self.helper.make_tensor(name, 1, [len(values)], [float(v) for v in values])
        return self.node("Constant", [], name, name, value=tensor)

    def scalar(self, name: str, value: float) -> str:
        tensor = self.helper.make_tensor(name, 1, [], [float(value)])
        return self.node("Constant", [], name, name, value=tensor)

    def constant(self, name: str, tensor: Any) -> str:
        """A Constant node holding a copy of `tensor` (any type): not an initializer."""
        value = type(tensor)()
        value.CopyFrom(tensor)
        value.name = name
        return self.node("Constant", [], name, name, value=value)


Writer = Callable[[Model, Leaf, list[Shape]], str]


def require() -> tuple[Any, Any]:
    try:
        import numpy as np
        import onnx
    except ImportError:
        raise CnnError(MISSING) from None
    return onnx, np


def nchw(shape: Shape) -> list[int]:
    if len(shape) == 3:
        return [1, int(shape[2]), int(shape[0]), int(shape[1])]
    return [1, *(int(d) for d in shape)]


def channel_shape(shape: Shape) -> list[int]:
    """A per-channel tensor that broadcasts over N x C x H x W (or N x units)."""
    return [int(shape[-1]), 1, 1] if len(shape) == 3 else [int(shape[-1])]


def src(leaf: Leaf, i: int) -> str:
    return leaf.inputs[i]
