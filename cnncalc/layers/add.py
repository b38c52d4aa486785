"""add: the element-wise sum of inputs of equal shapes."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, activation_name, format_shape
from .steps import QUIET, Work, activations, shape


def same_size(a: object, b: object) -> bool:
    """Equal, or not provably different (symbolic sizes: `constraints` finds when they align)."""
    return dims.equal(a, b) is not False


class Add(Layer):
    """All inputs must have equal shapes."""

    KIND = "add"
    ARGS = {"activation": Arg(activation_name, None, "activation applied after the sum")}
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000

    activation: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != len(first) or not all(same_size(a, b) for a, b in zip(first, other)):
                shapes = ", ".join(format_shape(s) for s in inputs)
                raise ShapeError(f"add needs equal shapes, got {shapes}")
        out = tuple(first)
        if work:
            listed = " + ".join(f"{n} ({shape(s)})" for n, s in zip(work.inputs, inputs, strict=True))
            rule = "an add needs all inputs of equal shapes, and keeps that shape"
            act = f"  (then {self.activation}, which keeps it)" if self.activation else ""
            work.add("output", "", (listed,), shape(out) + act, rule, key="output")
            work.add("parameters", "none", (), "0", key="params")
            work.add("MACs", "none: additions are not counted", (), "0", key="macs")
            work.extend([activations(out)])
        return Cost(output=out)
