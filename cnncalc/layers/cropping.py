"""`cropping`: rows and columns cut from the edges (Keras' Cropping2D), the inverse of
`zeropad`; `crop` instead keeps a centred [h, w].

>>> Cropping((1, 0, 1, 0)).infer([(112, 112, 32)]).output
(111, 111, 32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import Arg, ArgError, Cost, Layer, Shape, need_volume, padding_arg
from .steps import QUIET, Work, totals


def _amount(value: Any) -> tuple[Any, Any, Any, Any]:
    cut = padding_arg(value)
    if isinstance(cut, str):
        raise ArgError(f"cropping takes p, [p_h, p_w] or [top, bottom, left, right], got '{value}'")
    return cut


class Cropping(Layer):
    KIND = "cropping"
    ARGS = {"p": Arg(_amount, doc="p | [p_h, p_w] | [top, bottom, left, right] cut off")}
    MAIN_ARG = "p"

    p: tuple[Any, Any, Any, Any]

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        t, b, left, right = self.p
        out = (h - t - b, w - left - right, c)
        if dims.is_true(out[0] <= 0) or dims.is_true(out[1] <= 0):
            raise ShapeError(f"cropping {t}+{b} rows and {left}+{right} columns leaves nothing of {h} x {w}")
        totals(work, out, 0, 0)
        return Cost(output=out)
