"""multiply: the element-wise product of inputs; later ones may broadcast over the first.

An equal shape, a 1 x 1 x C channel gate (squeeze-and-excitation, Darknet's [scale_channels])
or an n_H x n_W x 1 spatial map. The output has the first input's shape. No weights, so no
parameters and no MACs.

>>> Multiply().infer([(13, 13, 256), (1, 1, 256)]).output
(13, 13, 256)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from .. import dims
from ..errors import ShapeError
from .base import Cost, Layer, Shape, format_shape
from .steps import QUIET, Work, totals


def _fits(d: object, big: object, broadcast: bool) -> bool:
    if broadcast and d == 1:
        return True
    # equal, or not provably different (as add's rule): `constraints` finds when they align
    return dims.equal(d, big) is not False


@dataclass(frozen=True, slots=True)
class Multiply(Layer):
    KIND = "multiply"
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000
    BROADCAST: ClassVar[bool] = True

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        first = inputs[0]
        for other in inputs[1:]:
            fits = len(other) == len(first) and all(
                _fits(d, b, self.BROADCAST) for d, b in zip(other, first, strict=True)
            )
            if not fits:
                shapes = ", ".join(format_shape(s) for s in inputs)
                rule = "equal shapes, or 1 where they differ" if self.BROADCAST else "equal shapes"
                raise ShapeError(f"{self.KIND} needs {rule}, got {shapes}")
        totals(work, first, 0, 0)
        return Cost(output=tuple(first))
