"""Pooling: windowed (max/avg), global, and adaptive. No parameters, no MACs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import dims
from ..dims import Dim
from .base import (
    Arg,
    Cost,
    Layer,
    Pair,
    Shape,
    Window,
    boolean,
    choice,
    need_volume,
    padding_arg,
    positive_pair,
    size_pair,
)
from .conv import kernel_window, slide_volume

_MODE = choice("max", "avg")


@dataclass(frozen=True, slots=True)
class Pool(Layer):
    """`s` defaults to `f`; `ceil: true` rounds up with PyTorch's last-window rule."""

    KIND = "pool"
    ARGS = {
        "mode": Arg(_MODE, "max", "max | avg"),
        "f": Arg(positive_pair, doc="window size"),
        "s": Arg(positive_pair, None, "stride (default: f)"),
        "padding": Arg(padding_arg, "valid", "valid | same | p | [p_h, p_w] | [top, bottom, left, right]"),
        "ceil": Arg(boolean, False, "round the output size up (PyTorch ceil_mode)"),
    }

    f: Pair
    mode: str = "max"
    s: Pair | None = None
    padding: Any = "valid"
    ceil: bool = False

    @property
    def stride(self) -> Pair:
        return self.s if self.s is not None else self.f

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = need_volume(self.KIND, inputs[0])[2]
        h, w, pad, notes = slide_volume(
            inputs[0], self.KIND, self.f, self.stride, (1, 1), self.padding, self.ceil
        )
        return Cost(output=(h, w, c), padding=pad, notes=notes)

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.stride, (1, 1))


def _whole_input(shape: Shape, out: Pair) -> Window:
    h, w = shape[0], shape[1]
    return Window(
        kernel=(h, w),
        stride=(Fraction(h, out[0]) if isinstance(h, int) else h / out[0],
                Fraction(w, out[1]) if isinstance(w, int) else w / out[1]),
        whole_input=True,
    )


@dataclass(frozen=True, slots=True)
class GlobalAvgPool(Layer):
    """1 x 1 x C; `keepdims: false` gives the vector [C] (Keras' default)."""

    KIND = "gap"
    ARGS = {"keepdims": Arg(boolean, True, "1 x 1 x C (true) or [C] (false)")}

    keepdims: bool = True

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = need_volume(self.KIND, inputs[0])[2]
        return Cost(output=(1, 1, c) if self.keepdims else (c,))

    def window(self, inputs: Sequence[Shape]) -> Window:
        return _whole_input(inputs[0], (1, 1))


@dataclass(frozen=True, slots=True)
class GlobalMaxPool(GlobalAvgPool):
    KIND = "gmp"


@dataclass(frozen=True, slots=True)
class AdaptivePool(Layer):
    """PyTorch's AdaptiveAvgPool2d/AdaptiveMaxPool2d: any input to `output` h x w."""

    KIND = "adaptive_pool"
    ARGS = {
        "output": Arg(size_pair, doc="[h, w] of the output"),
        "mode": Arg(_MODE, "avg", "avg | max"),
    }
    MAIN_ARG = "output"

    output: Pair
    mode: str = "avg"

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = need_volume(self.KIND, inputs[0])[2]
        return Cost(output=(self.output[0], self.output[1], c))

    def window(self, inputs: Sequence[Shape]) -> Window:
        # PyTorch's bins: bin i of n -> m spans floor(i n/m) to ceil((i+1) n/m); the widest one
        # is the window, and the bins start n/m apart (a fraction when m does not divide n)
        h, w = inputs[0][0], inputs[0][1]
        return Window(
            kernel=(widest_bin(h, self.output[0]), widest_bin(w, self.output[1])),
            stride=(_ratio(h, self.output[0]), _ratio(w, self.output[1])),
            whole_input=self.output[0] == self.output[1] == 1,
        )


def widest_bin(n: Dim, m: int) -> Dim:
    """The widest of PyTorch's adaptive bins from n to m: with n = q m + r (0 <= r < m), a bin
    spans q + ceil((i+1) r/m) - floor(i r/m) values, and the largest of those is q when r = 0,
    q + 1 when r divides m, else q + 2 (worked out in tests/test_receptive_field.py)."""
    if m == 1 or dims.equal(n, m) is True:
        return n if m == 1 else 1
    if not isinstance(n, int):
        from ..symbolic import sym_widest_bin

        return sym_widest_bin(n, m)
    q, r = divmod(n, m)
    return q if r == 0 else q + 1 if m % r == 0 else q + 2


def _ratio(n: Dim, m: int) -> Any:
    return Fraction(n, m) if isinstance(n, int) else n / m
