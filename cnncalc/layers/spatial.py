"""Parameter-free reshaping of a volume: zeropad, upsample, crop, split, space_to_depth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import (
    Arg,
    ArgError,
    Cost,
    Layer,
    Pair,
    Shape,
    Window,
    choice,
    need_volume,
    nonnegative,
    padding_arg,
    positive,
    positive_pair,
    size_pair,
)


def _pad_amount(value: Any) -> Any:
    pad = padding_arg(value)
    if isinstance(pad, str):
        raise ArgError(f"zeropad takes p, [p_h, p_w] or [top, bottom, left, right], got '{value}'")
    return pad


@dataclass(frozen=True, slots=True)
class ZeroPad(Layer):
    KIND = "zeropad"
    ARGS = {"p": Arg(_pad_amount, doc="p | [p_h, p_w] | [top, bottom, left, right]")}
    MAIN_ARG = "p"

    p: tuple[int, int, int, int]

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        t, b, left, right = self.p
        return Cost(output=(h + t + b, w + left + right, c), padding=self.p)


@dataclass(frozen=True, slots=True)
class Upsample(Layer):
    KIND = "upsample"
    ARGS = {
        "factor": Arg(positive_pair, (2, 2), "scale factor, or [f_h, f_w]"),
        "mode": Arg(choice("nearest", "bilinear"), "nearest"),
    }
    MAIN_ARG = "factor"

    factor: Pair = (2, 2)
    mode: str = "nearest"

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        return Cost(output=(h * self.factor[0], w * self.factor[1], c))

    def window(self, inputs: Sequence[Shape]) -> Window:
        return Window(stride=(Fraction(1, self.factor[0]), Fraction(1, self.factor[1])))


@dataclass(frozen=True, slots=True)
class Crop(Layer):
    """A centre crop to `output` (the extra row/column, if odd, is taken from the end)."""

    KIND = "crop"
    ARGS = {"output": Arg(size_pair, doc="[h, w] kept")}
    MAIN_ARG = "output"

    output: Pair

    def offsets(self, shape: Shape) -> tuple[Any, Any]:
        return dims.floordiv(shape[0] - self.output[0], 2), dims.floordiv(shape[1] - self.output[1], 2)

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        if dims.is_true(h < self.output[0]) or dims.is_true(w < self.output[1]):
            raise ShapeError(f"cannot crop {h} x {w} to the larger {self.output[0]} x {self.output[1]}")
        return Cost(output=(self.output[0], self.output[1], c))


@dataclass(frozen=True, slots=True)
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

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = inputs[0][-1]
        if dims.is_true(dims.mod(c, self.groups) != 0):
            raise ShapeError(f"{c} channels do not split into {self.groups} equal groups")
        return Cost(output=(*inputs[0][:-1], dims.floordiv(c, self.groups)))


@dataclass(frozen=True, slots=True)
class SpaceToDepth(Layer):
    """Darknet's `reorg`: each block x block patch becomes block^2 channels."""

    KIND = "space_to_depth"
    ARGS = {"block": Arg(positive, 2, "block size")}
    MAIN_ARG = "block"

    block: int = 2

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        b = self.block
        for axis, n in (("n_H", h), ("n_W", w)):
            if dims.is_true(dims.mod(n, b) != 0):
                raise ShapeError(f"{axis} = {n} is not divisible by the block size {b}")
        return Cost(output=(dims.floordiv(h, b), dims.floordiv(w, b), c * b * b))

    def window(self, inputs: Sequence[Shape]) -> Window:
        return Window(kernel=(self.block, self.block), stride=(self.block, self.block))
