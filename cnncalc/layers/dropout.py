"""dropout: zeroes a fraction of values in training; the shape is kept, nothing is learned."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, fraction
from .steps import QUIET, Work, unchanged


class Dropout(Layer):
    KIND = "dropout"
    ARGS = {"rate": Arg(fraction, 0.5, "fraction of units dropped in training")}
    MAIN_ARG = "rate"

    rate: float = 0.5

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        unchanged(work, inputs[0], "dropout works on each value apart")
        return Cost(output=tuple(inputs[0]))
