"""`stochastic_depth` (alias `drop_path`): drops a whole residual branch at random in training.

torchvision's `StochasticDepth(p, mode)`: in training, each sample's branch (`row`) or the whole
batch's (`batch`) is zeroed with probability `rate` and the survivors scaled by 1/(1 - rate);
at inference it is the identity. Shape kept, no parameters, no MACs.

>>> StochasticDepth(rate=0.1).infer([(14, 14, 384)]).output
(14, 14, 384)
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, choice, fraction
from .steps import QUIET, Work, unchanged


class StochasticDepth(Layer):
    """Drops a residual branch at random in training; the identity at inference."""

    KIND = "stochastic_depth"
    ARGS = {
        "rate": Arg(fraction, 0.0, "probability of dropping the branch in training"),
        "mode": Arg(choice("row", "batch"), "row", "per sample (row) or for the whole batch"),
    }
    MAIN_ARG = "rate"

    rate: float = 0.0
    mode: str = "row"

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        unchanged(work, inputs[0], "it drops whole samples in training only; at inference it passes its input on")
        return Cost(output=tuple(inputs[0]))
