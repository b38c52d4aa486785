"""Element-wise products and maxima of several inputs (gates, attention, Caffe's Eltwise).

`multiply` broadcasts as torch's `*` does, in either order: inputs of one rank whose sizes are
equal or 1 where they differ, such as a 1 x 1 x C channel gate (squeeze-and-excitation,
Darknet's [scale_channels]) or an n_H x n_W x 1 spatial map, before or after the volume they
gate. The output takes, per axis, the size that is not 1. No weights, so no parameters and
no MACs.

>>> Multiply().infer([(13, 13, 256), (1, 1, 256)]).output
(13, 13, 256)
>>> Multiply().infer([(1, 1, 256), (13, 13, 256)]).output
(13, 13, 256)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, activation_name, format_shape


def _axis(a: object, b: object, broadcast: bool) -> object | None:
    """The size of one axis of two inputs, or None when they cannot be combined."""
    if broadcast and b == 1:
        return a
    if broadcast and a == 1:
        return b
    # equal, or not provably different (as add's rule): `constraints` finds when they align
    return a if dims.equal(a, b) is not False else None


@dataclass(frozen=True, slots=True)
class Multiply(Layer):
    KIND = "multiply"
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000
    BROADCAST = True

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        out: list[object] = list(inputs[0])
        for other in inputs[1:]:
            sizes = [_axis(a, b, self.BROADCAST) for a, b in zip(out, other)]
            if len(other) != len(out) or any(s is None for s in sizes):
                shapes = ", ".join(format_shape(s) for s in inputs)
                rule = "equal shapes, or 1 where they differ" if self.BROADCAST else "equal shapes"
                raise ShapeError(f"{self.KIND} needs {rule}, got {shapes}")
            out = sizes
        return Cost(output=tuple(out))


@dataclass(frozen=True, slots=True)
class Maximum(Multiply):
    """The element-wise maximum of inputs of equal shapes (Caffe's Eltwise MAX)."""

    KIND = "maximum"
    BROADCAST = False


@dataclass(frozen=True, slots=True)
class Shortcut(Layer):
    """Darknet's [shortcut] when shapes differ: each later input is added into the first where
    they overlap (the smaller channel count; a larger map is sampled with stride n_big/n_small),
    and the output keeps the first input's shape. Equal shapes make it a plain `add`.

    >>> Shortcut().infer([(64, 64, 256), (64, 64, 64)]).output
    (64, 64, 256)
    """

    KIND = "shortcut"
    ARGS = {"activation": Arg(activation_name, None, "activation applied after the sum")}
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000

    activation: str | None = None

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != 3 or len(first) != 3:
                shapes = ", ".join(format_shape(s) for s in inputs)
                raise ShapeError(f"shortcut needs n_H x n_W x n_C inputs, got {shapes}")
            for a, b in zip(first[:2], other[:2], strict=True):
                if not (isinstance(a, int) and isinstance(b, int)):
                    continue
                big, small = max(a, b), min(a, b)
                if big % small:
                    raise ShapeError(
                        f"shortcut needs sizes that divide one another, got {format_shape(first)} "
                        f"and {format_shape(other)}"
                    )
        return Cost(output=tuple(first))
