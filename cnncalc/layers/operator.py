"""An operator of an imported model that cnncalc has no arithmetic for (ONNX reader).

Its output shape is the one the file's own shape inference gives (default: the first input's),
its parameters and buffers are the sizes of the weight tensors it reads, and it costs 0 MACs.
The reader warns where it writes one, so the totals never hide it.

>>> Operator(type="Erf").infer([(7, 7, 64)]).output
(7, 7, 64)
>>> Operator(type="Foo", output=(10,), params=30).infer([(3,)]).params
30
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Arg, ArgError, Cost, Layer, Shape, nonnegative, positive
from .steps import QUIET, Work, activations, count, shape


def _shape(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list) or not value:
        raise ArgError("expected a shape such as [7, 7, 64] or [10]")
    return tuple(positive(v) for v in value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ArgError("expected the operator's name")
    return value


class Operator(Layer):
    """An imported operator without arithmetic: the file's output shape, its weights, 0 MACs."""

    KIND = "operator"
    ARGS = {
        "type": Arg(_text, doc="the operator, as the model file names it (ONNX op type)"),
        "output": Arg(_shape, None, "output shape n_H x n_W x n_C or [units] (default: the input's)"),
        "params": Arg(nonnegative, 0, "values of the weight tensors it reads"),
        "buffers": Arg(nonnegative, 0, "values of non-learned state it reads"),
        "note": Arg(_text, None, "why it is a row of its own (the warning it gives)"),
    }
    MAX_INPUTS = 1_000

    type: str = ""
    output: tuple[Any, ...] | None = None
    params: int = 0
    buffers: int = 0
    note: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        out = self.output if self.output is not None else tuple(inputs[0])
        note = self.note or f"operator {self.type}: no arithmetic in cnncalc (output shape from the model file, 0 MACs)"
        cost = Cost(output=out, weights=self.params, buffers=self.buffers, notes=(note,))
        if work:
            work.add("output", f"as the model file gives it ({self.type} has no arithmetic in cnncalc)", (),
                     shape(cost.output), key="output")
            work.add("parameters", "the values of the weight tensors it reads", (), count(cost.params), key="params")
            work.add("buffers", "the values of the non-learned tensors it reads", (), count(cost.buffers),
                     key="buffers")
            work.add("MACs", "counted as 0: unknown operator", (), "0", key="macs")
            work.extend([activations(cost.output)])
        return cost
