"""Convolutions: conv, depthwise, deconv (transposed) and local (unshared weights)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import dims
from ..dims import Dim
from ..errors import ShapeError
from .base import (
    Arg,
    ArgError,
    Cost,
    Layer,
    Pair,
    Shape,
    Window,
    activation_name,
    boolean,
    need_volume,
    nonnegative_pair,
    padding_arg,
    positive,
    positive_pair,
)
from .window import floor_note, same_padding, slide


def resolve_padding(
    padding: Any, n: tuple[Dim, Dim], f: Pair, s: Pair, d: Pair
) -> tuple[Dim, Dim, Dim, Dim]:
    """(top, bottom, left, right) for `valid`, `same` or explicit padding."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        top, bottom = same_padding(n[0], f[0], s[0], d[0])
        left, right = same_padding(n[1], f[1], s[1], d[1])
        return (top, bottom, left, right)
    return padding


def slide_volume(
    shape: Shape, kind: str, f: Pair, s: Pair, d: Pair, padding: Any, ceil: bool = False
) -> tuple[Dim, Dim, tuple[Dim, Dim, Dim, Dim], tuple[str, ...]]:
    """Output n_H, n_W of a sliding window, the padding applied and any floor warning."""
    h, w, _ = need_volume(kind, shape)
    pad = resolve_padding(padding, (h, w), f, s, d)
    sh = slide(h, f[0], s[0], d[0], pad[0], pad[1], ceil, "n_H")
    sw = slide(w, f[1], s[1], d[1], pad[2], pad[3], ceil, "n_W")
    note = None if ceil else floor_note((sh, sw), s, (d[0] * (f[0] - 1) + 1, d[1] * (f[1] - 1) + 1))
    if padding == "same" and not (isinstance(h, int) and isinstance(w, int)):
        # TF's definition, ceil(n/s), reads better than the padded rule it equals
        return dims.ceildiv(h, s[0]), dims.ceildiv(w, s[1]), pad, (note,) if note else ()
    return sh.size, sw.size, pad, (note,) if note else ()


def kernel_window(f: Pair, s: Pair, d: Pair) -> Window:
    return Window(kernel=(d[0] * (f[0] - 1) + 1, d[1] * (f[1] - 1) + 1), stride=s)


_CONV_ARGS = {
    "filters": Arg(positive, doc="number of filters n_C"),
    "f": Arg(positive_pair, doc="filter size f or [f_h, f_w]"),
    "s": Arg(positive_pair, (1, 1), "stride"),
    "padding": Arg(padding_arg, "valid", "valid | same | p | [p_h, p_w] | [top, bottom, left, right]"),
    "dilation": Arg(positive_pair, (1, 1), "dilation d"),
    "groups": Arg(positive, 1, "channel groups"),
    "bias": Arg(boolean, True, "learn a bias per filter"),
    "activation": Arg(activation_name, None, "activation applied after (adds no row)"),
}


@dataclass(frozen=True, slots=True)
class Conv(Layer):
    KIND = "conv"
    ARGS = _CONV_ARGS

    filters: int
    f: Pair
    s: Pair = (1, 1)
    padding: Any = "valid"
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    activation: str | None = None

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c_in = need_volume(self.KIND, inputs[0])[2]
        check_groups(c_in, self.filters, self.groups)
        h, w, pad, notes = slide_volume(inputs[0], self.KIND, self.f, self.s, self.dilation, self.padding)
        kernel = self.f[0] * self.f[1] * dims.floordiv(c_in, self.groups)
        weights = kernel * self.filters
        return Cost(
            output=(h, w, self.filters),
            weights=weights,
            biases=self.filters if self.bias else 0,
            macs=h * w * self.filters * kernel,
            padding=pad,
            notes=notes,
        )

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.s, self.dilation)


def check_groups(c_in: Dim, filters: Dim, groups: int) -> None:
    for what, value in (("input channels", c_in), ("filters", filters)):
        if dims.is_true(dims.mod(value, groups) != 0) is True:
            raise ShapeError(f"{what} ({value}) are not divisible by groups ({groups})")


@dataclass(frozen=True, slots=True)
class Depthwise(Layer):
    """A conv with groups = C_in and C_in * multiplier filters."""

    KIND = "depthwise"
    ARGS = {
        "f": _CONV_ARGS["f"],
        "s": _CONV_ARGS["s"],
        "padding": _CONV_ARGS["padding"],
        "dilation": _CONV_ARGS["dilation"],
        "multiplier": Arg(positive, 1, "filters per input channel"),
        "bias": _CONV_ARGS["bias"],
        "activation": _CONV_ARGS["activation"],
    }

    f: Pair
    s: Pair = (1, 1)
    padding: Any = "valid"
    dilation: Pair = (1, 1)
    multiplier: int = 1
    bias: bool = True
    activation: str | None = None

    def as_conv(self, inputs: Sequence[Shape]) -> Conv:
        c_in = need_volume(self.KIND, inputs[0])[2]
        return Conv(
            c_in * self.multiplier, self.f, self.s, self.padding, self.dilation, c_in, self.bias,
            self.activation,
        )

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return self.as_conv(inputs).infer(inputs)

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.s, self.dilation)


def _deconv_padding(value: Any) -> Any:
    return padding_arg(value)


@dataclass(frozen=True, slots=True)
class Deconv(Layer):
    """Transposed convolution: n_out = (n-1)s - p_total + d(f-1) + output_padding + 1."""

    KIND = "deconv"
    ARGS = {
        "filters": _CONV_ARGS["filters"],
        "f": _CONV_ARGS["f"],
        "s": _CONV_ARGS["s"],
        "padding": Arg(_deconv_padding, (0, 0, 0, 0), "p (removed from each side) | same | valid"),
        "output_padding": Arg(nonnegative_pair, (0, 0), "extra rows/columns added at the end"),
        "dilation": _CONV_ARGS["dilation"],
        "bias": _CONV_ARGS["bias"],
        "activation": _CONV_ARGS["activation"],
    }

    filters: int
    f: Pair
    s: Pair = (1, 1)
    padding: Any = (0, 0, 0, 0)
    output_padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    bias: bool = True
    activation: str | None = None

    def __post_init__(self) -> None:
        for op, s, d in zip(self.output_padding, self.s, self.dilation):
            if op >= max(s, d):
                raise ArgError(f"output_padding ({op}) must be smaller than the stride or dilation")
        if self.padding == "same" and self.output_padding != (0, 0):
            # `same` fixes the output at n * s: an output_padding would silently do nothing
            raise ArgError(
                "output_padding does nothing with padding: same (the output is n * s); "
                "give the padding as numbers to use it"
            )

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        h, w, c_in = need_volume(self.KIND, inputs[0])
        out = []
        for n, f, s, d, op, (before, after) in zip(
            (h, w), self.f, self.s, self.dilation, self.output_padding, self._pads()
        ):
            if self.padding == "same":
                out.append(n * s)
            elif self.padding == "valid":
                out.append((n - 1) * s + d * (f - 1) + 1 + op)
            else:
                size = (n - 1) * s - before - after + d * (f - 1) + op + 1
                if dims.is_true(size <= 0) is True:
                    raise ShapeError(f"output size would be {size}: padding {before + after} is too large")
                out.append(size)
        kernel = self.f[0] * self.f[1] * self.filters
        return Cost(
            output=(out[0], out[1], self.filters),
            weights=kernel * c_in,
            biases=self.filters if self.bias else 0,
            macs=h * w * c_in * kernel,
        )

    def _pads(self) -> tuple[tuple[Dim, Dim], tuple[Dim, Dim]]:
        if isinstance(self.padding, tuple):
            return (self.padding[0], self.padding[1]), (self.padding[2], self.padding[3])
        return (0, 0), (0, 0)

    def window(self, inputs: Sequence[Shape]) -> Window:
        # an output value gathers the input values whose spread kernel (span d(f-1)+1, placed
        # every s outputs) covers it: at most ceil((d(f-1)+1)/s) of them per axis
        k = kernel_window(self.f, (1, 1), self.dilation).kernel
        seen = (-(-k[0] // self.s[0]), -(-k[1] // self.s[1]))
        return Window(kernel=seen, stride=(Fraction(1, self.s[0]), Fraction(1, self.s[1])))


@dataclass(frozen=True, slots=True)
class Local(Layer):
    """Locally connected: a conv whose every output position has its own filters."""

    KIND = "local"
    ARGS = {
        "filters": _CONV_ARGS["filters"],
        "f": _CONV_ARGS["f"],
        "s": _CONV_ARGS["s"],
        "padding": _CONV_ARGS["padding"],
        "bias": _CONV_ARGS["bias"],
        "activation": _CONV_ARGS["activation"],
    }

    filters: int
    f: Pair
    s: Pair = (1, 1)
    padding: Any = "valid"
    bias: bool = True
    activation: str | None = None

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c_in = need_volume(self.KIND, inputs[0])[2]
        h, w, pad, notes = slide_volume(inputs[0], self.KIND, self.f, self.s, (1, 1), self.padding)
        kernel = self.f[0] * self.f[1] * c_in
        positions = h * w * self.filters
        return Cost(
            output=(h, w, self.filters),
            weights=positions * kernel,
            biases=positions if self.bias else 0,
            macs=positions * kernel,
            padding=pad,
            notes=notes,
        )

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.s, (1, 1))
