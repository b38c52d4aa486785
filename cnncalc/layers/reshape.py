"""`reshape`: the same values laid out as another shape (Keras' Reshape, a squeeze-and-excitation
gate's [C] -> 1 x 1 x C). No parameters, no MACs.

>>> Reshape((1, 1, -1)).infer([(32,)]).output
(1, 1, 32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import Arg, ArgError, Cost, Layer, Shape, format_shape, int_at_least
from .steps import QUIET, Work, totals


def _target(value: Any) -> tuple[int, ...]:
    """[units] or [n_H, n_W, n_C]; one entry may be -1 (whatever the values leave)."""
    items = value if isinstance(value, list) else [value]
    if len(items) not in (1, 3):
        raise ArgError(f"expected [units] or [n_H, n_W, n_C], got a list of {len(items)}")
    out = tuple(int_at_least(-1)(v) for v in items)
    if 0 in out:
        raise ArgError("a size of 0 holds no values")
    if out.count(-1) > 1:
        raise ArgError("at most one size may be -1")
    return out


class Reshape(Layer):
    KIND = "reshape"
    ARGS = {"shape": Arg(_target, doc="[units] or [n_H, n_W, n_C]; one size may be -1")}
    MAIN_ARG = "shape"

    shape: tuple[int, ...]

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        total = dims.product(inputs[0])
        known = dims.product([d for d in self.shape if d != -1])
        if -1 in self.shape:
            if dims.is_true(dims.mod(total, known) != 0):
                raise ShapeError(f"{format_shape(inputs[0])} ({total} values) does not fill {self._show()}")
            rest = dims.floordiv(total, known)
            out = tuple(rest if d == -1 else d for d in self.shape)
        else:
            out = self.shape
            if dims.equal(total, known) is False:
                raise ShapeError(
                    f"cannot reshape {format_shape(inputs[0])} ({total} values) to {self._show()} ({known} values)"
                )
        totals(work, out, 0, 0)
        return Cost(output=out)

    def _show(self) -> str:
        return format_shape(["?" if d == -1 else d for d in self.shape])
