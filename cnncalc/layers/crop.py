"""crop: a centre crop to `output` (the extra row/column, if odd, is taken from the end)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Pair, Shape, need_volume, size_pair
from .steps import QUIET, Work, count, free, num


class Crop(Layer):
    """A centre crop to `output` (the extra row/column, if odd, is taken from the end)."""

    KIND = "crop"
    ARGS = {"output": Arg(size_pair, doc="[h, w] kept")}
    MAIN_ARG = "output"

    output: Pair

    def offsets(self, shape: Shape) -> tuple[Any, Any]:
        return dims.floordiv(shape[0] - self.output[0], 2), dims.floordiv(shape[1] - self.output[1], 2)

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        if dims.is_true(h < self.output[0]) or dims.is_true(w < self.output[1]):
            raise ShapeError(f"cannot crop {h} x {w} to the larger {self.output[0]} x {self.output[1]}")
        out = (self.output[0], self.output[1], c)
        if work:
            top, left = self.offsets(inputs[0])
            work.add("n_H, n_W", "output (a centre crop)",
                     (f"offsets: {num(top)} from the top, {num(left)} from the left",),
                     f"{self.output[0]}, {self.output[1]}", key="output")
            work.add("n_C", "n_C_prev", (), count(c), key="output")
            work.extend(free(out))
        return Cost(output=out)
