"""deconv: a transposed convolution, n_out = (n-1)s - p_total + d(f-1) + output_padding + 1."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from .. import dims
from ..dims import Dim
from ..errors import ShapeError
from .base import Arg, ArgError, Cost, Layer, Pair, Shape, Window, need_volume, nonnegative_pair, padding_arg
from .conv import CONV_ARGS
from .steps import QUIET, Work, X, activations, count, num, pair
from .window import kernel_window


class Deconv(Layer):
    """Transposed convolution: n_out = (n-1)s - p_total + d(f-1) + output_padding + 1."""

    KIND = "deconv"
    ARGS = {
        "filters": CONV_ARGS["filters"],
        "f": CONV_ARGS["f"],
        "s": CONV_ARGS["s"],
        "padding": Arg(padding_arg, (0, 0, 0, 0), "p (removed from each side) | same | valid"),
        "output_padding": Arg(nonnegative_pair, (0, 0), "extra rows/columns added at the end"),
        "dilation": CONV_ARGS["dilation"],
        "bias": CONV_ARGS["bias"],
        "activation": CONV_ARGS["activation"],
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

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
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
        cost = Cost(
            output=(out[0], out[1], self.filters),
            weights=kernel * c_in,
            biases=self.filters if self.bias else 0,
            macs=h * w * c_in * kernel,
        )
        if work:
            self._steps(work, (h, w, c_in), cost)
        return cost

    def _steps(self, work: Work, shape_in: Shape, cost: Cost) -> None:
        h, w, c = shape_in
        oh, ow, oc = cost.output
        axes = [("H", h, oh, 0), ("W", w, ow, 1)]
        if (
            h == w
            and self.f[0] == self.f[1]
            and self.s[0] == self.s[1]
            and self.output_padding[0] == self.output_padding[1]
            and (not isinstance(self.padding, tuple) or self.padding[0:2] == self.padding[2:4])
        ):
            axes = [("H = n_W", h, oh, 0)]
        for label, n, o, i in axes:
            a = label[0]
            f, s, d, op = self.f[i], self.s[i], self.dilation[i], self.output_padding[i]
            if self.padding == "same":
                work.add(f"n_{label}", f"n_{a}_prev{X}s (same)", (f"{num(n)}{X}{s}",), count(o), key="output")
            elif self.padding == "valid":
                work.add(f"n_{label}", f"(n_{a}_prev - 1){X}s + f", (f"({num(n)} - 1){X}{s} + {f}",), count(o),
                         key="output")
            else:
                p = self.padding[2 * i] + self.padding[2 * i + 1]
                work.add(f"n_{label}", f"(n_{a}_prev - 1){X}s - 2p + d(f - 1) + output_padding + 1",
                         (f"({num(n)} - 1){X}{s} - {p} + {d}×({f} - 1) + {op} + 1",), count(o), key="output")
        work.add("n_C", "number of filters", (), count(oc), key="output")
        ff, ff_v = pair(self.f)
        work.add("weights", f"{ff}{X}n_C_prev{X}n_C", (f"{ff_v}{X}{num(c)}{X}{num(oc)}",), count(cost.weights))
        if self.bias:
            work.add("parameters", f"({ff}{X}n_C_prev + 1){X}n_C", (f"({ff_v}{X}{num(c)} + 1){X}{num(oc)}",),
                     count(cost.params), key="params")
        else:
            work.add("parameters", "weights only: bias is false", (), count(cost.params), key="params")
        work.add("MACs", f"(n_H_prev{X}n_W_prev{X}n_C_prev){X}({ff}{X}n_C)",
                 (f"({num(h)}{X}{num(w)}{X}{num(c)}){X}({ff_v}{X}{num(oc)})",), count(cost.macs), key="macs")
        work.extend([activations(cost.output)])

    def _pads(self) -> tuple[tuple[Dim, Dim], tuple[Dim, Dim]]:
        if isinstance(self.padding, tuple):
            return (self.padding[0], self.padding[1]), (self.padding[2], self.padding[3])
        return (0, 0), (0, 0)

    def extent(self, n: Any, k: Any, axis: int) -> str:
        span = self.dilation[axis] * (self.f[axis] - 1) + 1
        return f"k = ceil((d(f - 1) + 1)/s) = ceil({num(span)}/{num(self.s[axis])}) = {num(k)} input values"

    def window(self, inputs: Sequence[Shape]) -> Window:
        # an output value gathers the input values whose spread kernel (span d(f-1)+1, placed
        # every s outputs) covers it: at most ceil((d(f-1)+1)/s) of them per axis
        k = kernel_window(self.f, (1, 1), self.dilation).kernel
        seen = (-(-k[0] // self.s[0]), -(-k[1] // self.s[1]))
        return Window(kernel=seen, stride=(Fraction(1, self.s[0]), Fraction(1, self.s[1])))
