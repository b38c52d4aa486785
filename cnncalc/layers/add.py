"""add: the element-wise sum of inputs of equal shapes."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, activation_name, need_equal
from .steps import QUIET, Work, activations, shape


class Add(Layer):
    """All inputs must have equal shapes."""

    KIND = "add"
    ARGS = {"activation": Arg(activation_name, None, "activation applied after the sum")}
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000

    activation: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        need_equal(self.KIND, "equal shapes", inputs)
        out = tuple(inputs[0])
        if work:
            listed = " + ".join(f"{n} ({shape(s)})" for n, s in zip(work.inputs, inputs, strict=True))
            rule = "an add needs all inputs of equal shapes, and keeps that shape"
            act = f"  (then {self.activation}, which keeps it)" if self.activation else ""
            work.add("output", "", (listed,), shape(out) + act, rule, key="output")
            work.add("parameters", "none", (), "0", key="params")
            work.add("MACs", "none: additions are not counted", (), "0", key="macs")
            work.extend([activations(out)])
        return Cost(output=out)
