"""Instance normalization (ONNX InstanceNormalization, PyTorch InstanceNorm2d(affine=True)):
each channel of each example normalized over n_H x n_W, then scaled and shifted.

2C parameters (scale, bias), no running statistics, no MACs (as bn).

>>> InstanceNorm().infer([(56, 56, 64)]).params
128
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, boolean, need_volume, number
from .steps import QUIET, Work, X, activations, count, num, shape


class InstanceNorm(Layer):
    """Each channel of each example normalized over n_H x n_W: 2C parameters, no buffers."""

    KIND = "instance_norm"
    ARGS = {
        "affine": Arg(boolean, True, "learn a scale and a bias per channel"),
        "epsilon": Arg(number, 1e-5, "added to the variance"),
    }

    affine: bool = True
    epsilon: float = 1e-5

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, _ = need_volume(self.KIND, inputs[0])
        if h == 1 and w == 1:
            # one value per channel: its mean is itself, so every output would be the bias
            # (PyTorch's InstanceNorm2d refuses such an input)
            raise ShapeError("instance_norm normalizes each channel over n_H x n_W, which is 1 x 1 here: "
                             "every output would be its bias")
        c = inputs[0][-1] if self.affine else 0
        cost = Cost(output=tuple(inputs[0]), weights=c, biases=c)
        if work:
            work.add("output", "unchanged", (), shape(inputs[0]), key="output")
            if self.affine:
                work.add("parameters", f"2{X}n_C (scale and bias, one of each per channel)", (f"2{X}{num(c)}",),
                         count(cost.params), key="params")
            else:
                work.add("parameters", "none: affine is false", (), "0", key="params")
            work.add("buffers", "none: each example is normalized by its own statistics", (), "0", key="buffers")
            work.add("MACs", "counted as 0, as for bn", (), "0", key="macs")
            work.extend([activations(cost.output)])
        return cost
