"""split: the `index`-th (from 0) of `groups` equal channel slices."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dims
from ..errors import ShapeError
from .base import Arg, ArgError, Cost, Layer, Shape, nonnegative, positive
from .steps import QUIET, Work, free, num


class Split(Layer):
    """The `index`-th (from 0) of `groups` equal channel slices."""

    KIND = "split"
    ARGS = {
        "groups": Arg(positive, doc="number of equal channel slices"),
        "index": Arg(nonnegative, 0, "which slice, from 0"),
    }

    groups: int
    index: int = 0

    def __post_init__(self) -> None:
        if self.index >= self.groups:
            raise ArgError(f"index {self.index} is out of range for {self.groups} groups (0..{self.groups - 1})")

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c = inputs[0][-1]
        if dims.is_true(dims.mod(c, self.groups) != 0):
            raise ShapeError(f"{c} channels do not split into {self.groups} equal groups")
        out = (*inputs[0][:-1], work.let(dims.floordiv(c, self.groups), "n_C",
                                         f"n_C_prev/groups (slice {self.index} of {self.groups}, from 0)",
                                         lambda: (f"{num(c)}/{self.groups}",), key="output"))
        work.extend(free(out) if work else ())
        return Cost(output=out)
