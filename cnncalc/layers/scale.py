"""scale: Caffe's Scale layer, y = gamma * x (+ beta), one gamma (and beta) per channel.

C (or 2C with `bias: true`) parameters; no MACs (cnncalc counts multiplications of weights in
conv and fc products only, like BN).

>>> Scale(bias=True).infer([(7, 7, 64)]).params
128
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, boolean
from .steps import QUIET, Work, totals


class Scale(Layer):
    KIND = "scale"
    ARGS = {"bias": Arg(boolean, False, "learn a beta per channel too")}

    bias: bool = False

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c = inputs[0][-1]
        cost = Cost(output=tuple(inputs[0]), weights=c, biases=c if self.bias else 0)
        totals(work, cost.output, cost.params, 0)
        return cost
