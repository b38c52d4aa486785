"""`layer_scale`: a learned per-channel factor on a residual branch (ConvNeXt's gamma, CaiT).

y = gamma * x with one gamma per channel, initialised small (`init`, 1e-6 in ConvNeXt) so a
deep residual stack starts close to the identity: C parameters, no bias. Like `scale`, it
counts no MACs (an element-wise product, not a weight product of a conv or fc).

>>> LayerScale().infer([(7, 7, 768)]).params
768
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import Arg, Cost, Layer, Shape, number


@dataclass(frozen=True, slots=True)
class LayerScale(Layer):
    """A learned factor per channel (ConvNeXt's gamma): C parameters."""

    KIND = "layer_scale"
    ARGS = {"init": Arg(number, 1e-6, "initial value of every gamma")}
    MAIN_ARG = "init"

    init: float = 1e-6

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return Cost(output=tuple(inputs[0]), weights=inputs[0][-1])
