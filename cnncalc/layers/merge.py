"""Layers that merge several inputs: element-wise add and channel concat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, activation_name, format_shape


def _same(a: object, b: object) -> bool:
    """Equal, or not provably different (symbolic sizes: `constraints` finds when they align)."""
    return dims.equal(a, b) is not False


@dataclass(frozen=True, slots=True)
class Add(Layer):
    """All inputs must have equal shapes."""

    KIND = "add"
    ARGS = {"activation": Arg(activation_name, None, "activation applied after the sum")}
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000

    activation: str | None = None

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != len(first) or not all(_same(a, b) for a, b in zip(first, other)):
                shapes = ", ".join(format_shape(s) for s in inputs)
                raise ShapeError(f"add needs equal shapes, got {shapes}")
        return Cost(output=tuple(first))


@dataclass(frozen=True, slots=True)
class Concat(Layer):
    """n_H and n_W must match; channels add up."""

    KIND = "concat"
    ARGS = {"activation": Arg(activation_name, None, "activation applied after")}
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000

    activation: str | None = None

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != len(first) or not all(_same(a, b) for a, b in zip(first[:-1], other[:-1])):
                shapes = ", ".join(format_shape(s) for s in inputs)
                what = "n_H and n_W" if len(first) == 3 else "ranks"
                raise ShapeError(f"concat needs equal {what}, got {shapes}")
        channels = sum((s[-1] for s in inputs[1:]), inputs[0][-1])
        return Cost(output=(*first[:-1], channels))
