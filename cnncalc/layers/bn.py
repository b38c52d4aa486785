"""bn: batch norm, 2C parameters (gamma, beta) and 2C buffers (running mean and variance)."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, boolean, number
from .steps import QUIET, Work, X, activations, count, num, shape


class BatchNorm(Layer):
    """2C parameters (gamma, beta) and 2C buffers (running mean and variance).

    `affine: false` drops gamma and beta, as Caffe's BatchNorm without a Scale layer;
    `scale: false` drops gamma alone, `center: false` beta alone (Keras' BatchNormalization)."""

    KIND = "bn"
    ARGS = {
        "affine": Arg(boolean, True, "learn gamma and beta"),
        "scale": Arg(boolean, True, "learn gamma (with affine)"),
        "center": Arg(boolean, True, "learn beta (with affine)"),
        "epsilon": Arg(number, 1e-5, "added to the variance"),
        "momentum": Arg(number, 0.1, "running-statistics momentum"),
    }

    affine: bool = True
    scale: bool = True
    center: bool = True
    epsilon: float = 1e-5
    momentum: float = 0.1

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c = inputs[0][-1]
        cost = Cost(
            output=tuple(inputs[0]),
            weights=c if self.affine and self.scale else 0,
            biases=c if self.affine and self.center else 0,
            buffers=2 * c,
        )
        if work:
            work.add("output", "unchanged", (), shape(inputs[0]), key="output")
            if self.affine:
                work.add("parameters", f"2{X}n_C (γ and β, one of each per channel)", (f"2{X}{num(c)}",),
                         count(cost.params), key="params")
            else:
                work.add("parameters", "none: affine is false", (), "0", key="params")
            work.add("buffers", f"2{X}n_C (running mean and variance: not learned, not parameters)",
                     (f"2{X}{num(c)}",), count(cost.buffers), key="buffers")
            work.add("MACs", "counted as 0: it folds into the conv before it at inference", (), "0", key="macs")
            work.extend([activations(cost.output)])
        return cost
