"""flatten: n_H x n_W x n_C to one vector of n_H n_W n_C values."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dims
from .base import Cost, Layer, Shape
from .steps import QUIET, Work, X, count, free, num


class Flatten(Layer):
    KIND = "flatten"

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        s = inputs[0]
        out = (dims.product(s),)
        if work:
            if len(s) == 3:
                work.add("n_out", f"n_H{X}n_W{X}n_C", (X.join(num(d) for d in s),), count(out[0]), key="output")
            else:
                work.add("n_out", "unchanged", (), count(s[0]), key="output")
            work.extend(free(out))
        return Cost(output=out)
