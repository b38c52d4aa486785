"""multiply: the element-wise product of inputs, broadcast as torch's `*` does.

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
from typing import ClassVar

from .. import dims
from .base import Cost, Layer, Shape, inputs_error
from .steps import QUIET, Work, totals


def _axis(a: object, b: object, broadcast: bool) -> object | None:
    """The size of one axis of two inputs, or None when they cannot be combined."""
    if broadcast and b == 1:
        return a
    if broadcast and a == 1:
        return b
    # equal, or not provably different (as add's rule): `constraints` finds when they align
    return a if dims.equal(a, b) is not False else None


class Multiply(Layer):
    KIND = "multiply"
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000
    BROADCAST: ClassVar[bool] = True

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        out: list[object] = list(inputs[0])
        for other in inputs[1:]:
            sizes = [_axis(a, b, self.BROADCAST) for a, b in zip(out, other)]
            if len(other) != len(out) or any(s is None for s in sizes):
                rule = "equal shapes, or 1 where they differ" if self.BROADCAST else "equal shapes"
                raise inputs_error(self.KIND, rule, inputs)
            out = sizes
        totals(work, out, 0, 0)
        return Cost(output=tuple(out))
