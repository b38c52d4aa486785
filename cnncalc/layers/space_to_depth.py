"""space_to_depth: Darknet's `reorg`, each block x block patch becomes block^2 channels."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, Window, need_volume, positive
from .steps import QUIET, Work, X, count, free, num


class SpaceToDepth(Layer):
    """Darknet's `reorg`: each block x block patch becomes block^2 channels."""

    KIND = "space_to_depth"
    ARGS = {"block": Arg(positive, 2, "block size")}
    MAIN_ARG = "block"

    block: int = 2

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        b = self.block
        for axis, n in (("n_H", h), ("n_W", w)):
            if dims.is_true(dims.mod(n, b) != 0):
                raise ShapeError(f"{axis} = {n} is not divisible by the block size {b}")
        out = (dims.floordiv(h, b), dims.floordiv(w, b), c * b * b)
        if work:
            work.add("n_H, n_W", "n_prev/block", (f"{num(h)}/{b}, {num(w)}/{b}",), f"{num(out[0])}, {num(out[1])}",
                     key="output")
            work.add("n_C", f"n_C_prev{X}block{X}block", (f"{num(c)}{X}{b}{X}{b}",), count(out[2]), key="output")
            work.extend(free(out))
        return Cost(output=out)

    def window(self, inputs: Sequence[Shape]) -> Window:
        return Window(kernel=(self.block, self.block), stride=(self.block, self.block))
