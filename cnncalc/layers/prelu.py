"""prelu: one learned negative slope per channel (C parameters), or one with `shared: true`.

>>> PReLU().infer([(7, 7, 64)]).params
64
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, boolean
from .steps import QUIET, Work, totals


class PReLU(Layer):
    KIND = "prelu"
    ARGS = {"shared": Arg(boolean, False, "one slope for all channels")}

    shared: bool = False

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        cost = Cost(output=tuple(inputs[0]), weights=1 if self.shared else inputs[0][-1])
        totals(work, cost.output, cost.params, 0)
        return cost
