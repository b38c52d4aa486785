"""`layer_norm`: normalization over the channels of each position, with a learned gamma and beta.

As ConvNeXt's `LayerNorm2d` (torch's `nn.LayerNorm(C)` applied channels last): each of the
n_H x n_W positions is normalized over its C values, then scaled and shifted by gamma and beta,
one per channel: 2C parameters (C with `affine: false`, which drops both, as torch's
`elementwise_affine=False`). A vector is normalized over its units. No running statistics
(unlike `bn`, nothing is kept between batches), and no MACs: cnncalc counts multiplications
of weights in conv and fc products only, as for `bn`.

>>> LayerNorm().infer([(56, 56, 96)]).params
192
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, boolean, number
from .steps import QUIET, Work, per_channel


class LayerNorm(Layer):
    """Normalizes each position over its channels; 2C parameters (gamma, beta), no buffers."""

    KIND = "layer_norm"
    ARGS = {
        "epsilon": Arg(number, 1e-5, "added to the variance (ConvNeXt uses 1e-6)"),
        "affine": Arg(boolean, True, "learn gamma and beta"),
    }

    epsilon: float = 1e-5
    affine: bool = True

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c = inputs[0][-1]
        learned = c if self.affine else 0
        cost = Cost(output=tuple(inputs[0]), weights=learned, biases=learned)
        if work:
            per_channel(work, inputs[0], cost.params, "γ and β, one of each per channel; no running statistics", 2,
                        self.affine, "a normalization, as bn")
        return cost
