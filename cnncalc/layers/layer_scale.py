"""`layer_scale`: a learned per-channel factor on a residual branch (ConvNeXt's gamma, CaiT).

y = gamma * x with one gamma per channel, initialised small (`init`, 1e-6 in ConvNeXt) so a
deep residual stack starts close to the identity: C parameters, no bias. Like `scale`, it
counts no MACs (an element-wise product, not a weight product of a conv or fc).

>>> LayerScale().infer([(7, 7, 768)]).params
768
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, number
from .steps import QUIET, Work, per_channel


class LayerScale(Layer):
    """A learned factor per channel (ConvNeXt's gamma): C parameters."""

    KIND = "layer_scale"
    ARGS = {"init": Arg(number, 1e-6, "initial value of every gamma")}
    MAIN_ARG = "init"

    init: float = 1e-6

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        cost = Cost(output=tuple(inputs[0]), weights=inputs[0][-1])
        if work:
            per_channel(work, inputs[0], cost.params, "one γ per channel", 1, True,
                        "an element-wise product, not a weight product")
        return cost
