"""`pad`: padding that repeats the input rather than adding zeros (ONNX Pad's modes, PyTorch's
ReflectionPad2d, ReplicationPad2d and CircularPad2d), as style-transfer and CycleGAN generators use.

Sizes as `zeropad`: n + p_before + p_after. `reflect` mirrors without repeating the edge, so each
pad must be smaller than its axis; `edge` repeats the edge value, `wrap` the other side, and
`constant` is zeropad. No parameters, no MACs.

>>> Pad(p=(3, 3, 3, 3)).infer([(64, 64, 3)]).output
(70, 70, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Shape, choice, need_volume
from .steps import QUIET, Work
from .zeropad import ZeroPad


class Pad(ZeroPad):
    """Padding by reflection, edge or wrap-around: zeropad's sizes, the input's own values."""

    KIND = "pad"
    ARGS = {
        **ZeroPad.ARGS,
        "mode": Arg(choice("reflect", "edge", "wrap", "constant"), "reflect", "reflect | edge | wrap | constant"),
    }

    mode: str = "reflect"

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, _ = need_volume(self.KIND, inputs[0])
        if self.mode == "reflect":
            t, b, left, right = self.p
            for axis, n, pads in (("n_H", h, (t, b)), ("n_W", w, (left, right))):
                if dims.is_true(max(pads) >= n) is True:
                    raise ShapeError(f"reflect padding of {max(pads)} needs {axis} larger than it, got {n}")
        return ZeroPad.infer(self, inputs, work)
