"""Instance normalization (ONNX InstanceNormalization, PyTorch InstanceNorm2d(affine=True)):
each channel of each example normalized over n_H x n_W, then scaled and shifted.

2C parameters (scale, bias), no running statistics, no MACs (as bn).

>>> InstanceNorm().infer([(56, 56, 64)]).params
128
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import Arg, Cost, Layer, Shape, boolean, number


@dataclass(frozen=True, slots=True)
class InstanceNorm(Layer):
    """Each channel of each example normalized over n_H x n_W: 2C parameters, no buffers."""

    KIND = "instance_norm"
    ARGS = {
        "affine": Arg(boolean, True, "learn a scale and a bias per channel"),
        "epsilon": Arg(number, 1e-5, "added to the variance"),
    }

    affine: bool = True
    epsilon: float = 1e-5

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = inputs[0][-1] if self.affine else 0
        return Cost(output=tuple(inputs[0]), weights=c, biases=c)
