"""`normalization`: (x - mean) / sqrt(variance) per channel, with statistics measured on the
data beforehand (Keras' Normalization layer, `adapt()`). Nothing is learned: its mean and
variance (C each) and the count of samples they were measured on (1) are 2C + 1 buffers,
which Keras lists as non-trainable weights (keras/src/layers/preprocessing/normalization.py).
`given: true`: the mean and variance are constants written in the model (no buffers).

>>> Normalization().infer([(224, 224, 3)]).buffers
7
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, boolean
from .steps import QUIET, Work, totals


class Normalization(Layer):
    KIND = "normalization"
    ARGS = {"given": Arg(boolean, False, "mean and variance are constants of the model, not buffers")}

    given: bool = False

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        totals(work, inputs[0], 0, 0)
        return Cost(output=tuple(inputs[0]), buffers=0 if self.given else 2 * inputs[0][-1] + 1)
