"""`rescaling`: x * scale + offset on every value (Keras' Rescaling, such as 1/255 on pixels).
Constants, not learned: no parameters, no MACs (cnncalc counts multiplications by weights).

>>> Rescaling(1 / 255).infer([(224, 224, 3)]).output
(224, 224, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, number
from .steps import QUIET, Work, totals


class Rescaling(Layer):
    KIND = "rescaling"
    ARGS = {
        "scale": Arg(number, 1.0, "every value is multiplied by this"),
        "offset": Arg(number, 0.0, "then this is added"),
    }
    MAIN_ARG = "scale"

    scale: float = 1.0
    offset: float = 0.0

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        totals(work, inputs[0], 0, 0)
        return Cost(output=tuple(inputs[0]))
