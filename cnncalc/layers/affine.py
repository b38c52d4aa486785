"""Learned per-channel layers without running statistics: `scale` and `prelu`.

`scale` is Caffe's Scale layer: y = gamma * x (+ beta with `bias: true`), one gamma (and
beta) per channel: C (or 2C) parameters. `prelu` learns one negative slope per channel (C parameters),
or a single one with `shared: true`. Neither counts MACs (cnncalc counts multiplications of
weights in conv and fc products only, like BN).

>>> Scale(bias=True).infer([(7, 7, 64)]).params
128
>>> PReLU().infer([(7, 7, 64)]).params
64
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import Arg, Cost, Layer, Shape, boolean


@dataclass(frozen=True, slots=True)
class Scale(Layer):
    KIND = "scale"
    ARGS = {"bias": Arg(boolean, False, "learn a beta per channel too")}

    bias: bool = False

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = inputs[0][-1]
        return Cost(output=tuple(inputs[0]), weights=c, biases=c if self.bias else 0)


@dataclass(frozen=True, slots=True)
class PReLU(Layer):
    KIND = "prelu"
    ARGS = {"shared": Arg(boolean, False, "one slope for all channels")}

    shared: bool = False

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return Cost(output=tuple(inputs[0]), weights=1 if self.shared else inputs[0][-1])
