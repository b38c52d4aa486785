"""gap: global average pooling, n_H x n_W x n_C to 1 x 1 x n_C."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from .base import Arg, Cost, Layer, Shape, Window, boolean, need_volume
from .steps import QUIET, Work, X, count, free, num
from .window import whole_input_window


class GlobalAvgPool(Layer):
    """1 x 1 x C; `keepdims: false` gives the vector [C] (Keras' default)."""

    KIND = "gap"
    ARGS = {"keepdims": Arg(boolean, True, "1 x 1 x C (true) or [C] (false)")}
    WHAT: ClassVar[str] = "mean"  # what it takes over each channel

    keepdims: bool = True

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        out = (1, 1, c) if self.keepdims else (c,)
        if work and not self.keepdims:  # Keras' default: the vector [C]
            work.add("units", f"n_C_prev: the {self.WHAT} of each channel over the whole n_H_prev{X}n_W_prev",
                     (f"{num(h)}{X}{num(w)} → 1",), count(c), key="output")
            work.extend(free(out))
        elif work:
            work.add("n_H = n_W", f"1: the {self.WHAT} over the whole n_H_prev{X}n_W_prev",
                     (f"{num(h)}{X}{num(w)} → 1",), "1", key="output")
            work.add("n_C", "n_C_prev", (), count(c), key="output")
            work.extend(free(out))
        return Cost(output=out)

    def window(self, inputs: Sequence[Shape]) -> Window:
        return whole_input_window(inputs[0], (1, 1))
