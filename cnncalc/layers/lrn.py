"""lrn: local response normalization across channels; the shape is kept, nothing is learned."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, number, positive
from .steps import QUIET, Work, unchanged


class LocalResponseNorm(Layer):
    KIND = "lrn"
    ARGS = {
        "size": Arg(positive, 5, "channels in the normalization window"),
        "alpha": Arg(number, 1e-4),
        "beta": Arg(number, 0.75),
        "k": Arg(number, 1.0),
    }

    size: int = 5
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 1.0

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        # it divides each value by a sum over neighbouring channels
        unchanged(work, inputs[0], "lrn scales each value by its neighbours across channels")
        return Cost(output=tuple(inputs[0]))
