"""dfl: YOLO's distribution focal loss integral, each box side's reg_max bins to one distance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, need_volume, positive
from .steps import QUIET, Work, X, activations, count, num, shape


class DistributionFocalLoss(Layer):
    """YOLO's DFL: each box side's `reg_max` bins reduced to one distance by a 1x1 convolution
    whose `reg_max` weights are fixed (0, 1, ..., reg_max - 1: params, never trained).

    Its inputs are the box volumes of every detection level (`4 reg_max` channels each); the
    output is the 4 distances of each of the A = sum(n_H n_W) anchors, `[4 A]`.
    """

    KIND = "dfl"
    ARGS = {"reg_max": Arg(positive, 16, "bins per box side")}
    MAIN_ARG = "reg_max"
    MAX_INPUTS = 16

    reg_max: int = 16

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        anchors: Any = 0
        for volume in inputs:
            h, w, c = need_volume(self.KIND, volume)
            if dims.is_true(c != 4 * self.reg_max) is True:
                raise ShapeError(f"dfl with reg_max {self.reg_max} needs {4 * self.reg_max} channels, got {c}")
            anchors = anchors + h * w
        cost = Cost(output=(4 * anchors,), weights=self.reg_max, macs=4 * anchors * self.reg_max)
        if work:
            r = self.reg_max
            terms = " + ".join(f"{num(s[0])}{X}{num(s[1])}" for s in inputs)
            work.add("A (anchors)", "sum of n_H x n_W over the levels", (terms,), count(anchors))
            work.add("output", "4 distances per anchor: [4 A]", (f"4{X}{num(anchors)}",), shape(cost.output),
                     key="output")
            work.add("parameters", "reg_max fixed weights 0 .. reg_max - 1 (not trained)", (), count(r), key="params")
            work.add("MACs", f"4{X}A{X}reg_max (a 1x1 convolution over the bins)", (f"4{X}{num(anchors)}{X}{r}",),
                     count(cost.macs), key="macs")
            work.extend([activations(cost.output)])
        return cost
