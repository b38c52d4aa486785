"""conv: a 2-D convolution, `filters` filters of f x f x n_C_prev/groups, with its worked steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dims
from ..dims import Dim
from ..errors import ShapeError
from .base import (
    Arg,
    Cost,
    Layer,
    Pair,
    Shape,
    Window,
    activation_name,
    boolean,
    need_volume,
    padding_arg,
    positive,
    positive_pair,
)
from .steps import QUIET, Work, X, activations, count, num, pair
from .window import kernel_window, slide_volume

CONV_ARGS = {
    "filters": Arg(positive, doc="number of filters n_C"),
    "f": Arg(positive_pair, doc="filter size f or [f_h, f_w]"),
    "s": Arg(positive_pair, (1, 1), "stride"),
    "padding": Arg(padding_arg, "valid", "valid | same | p | [p_h, p_w] | [top, bottom, left, right]"),
    "dilation": Arg(positive_pair, (1, 1), "dilation d"),
    "groups": Arg(positive, 1, "channel groups"),
    "bias": Arg(boolean, True, "learn a bias per filter"),
    "activation": Arg(activation_name, None, "activation applied after (adds no row)"),
}


class Conv(Layer):
    KIND = "conv"
    ARGS = CONV_ARGS

    filters: int
    f: Pair
    s: Pair = (1, 1)
    padding: Any = "valid"
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    activation: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET, multiplier: int | None = None) -> Cost:
        """The conv's arithmetic; `multiplier` is set when it stands for a depthwise layer."""
        c_in = need_volume(self.KIND, inputs[0])[2]
        check_groups(c_in, self.filters, self.groups)
        h, w, pad, notes = slide_volume(
            inputs[0], self.KIND, self.f, self.s, self.dilation, self.padding, work=work
        )
        kernel = self.f[0] * self.f[1] * dims.floordiv(c_in, self.groups)
        weights = kernel * self.filters
        biases = self.filters if self.bias else 0
        macs = h * w * self.filters * kernel
        if work:
            self._steps(work, c_in, (h, w, self.filters), weights, biases, macs, multiplier)
        return Cost(output=(h, w, self.filters), weights=weights, biases=biases, macs=macs, padding=pad,
                    notes=notes)

    def _steps(self, work: Work, c: Dim, out: Shape, weights: Dim, biases: Dim, macs: Dim,
               multiplier: int | None) -> None:
        out_h, out_w, out_c = out
        ff, ff_v = pair(self.f)
        g = self.groups
        if multiplier is not None:
            work.add("n_C", f"n_C_prev{X}multiplier", (f"{num(c)}{X}{multiplier}",), count(out_c), key="output")
        else:
            work.add("n_C", "number of filters", (), count(out_c), key="output")
        if multiplier is not None or (g > 1 and g == c):
            per, per_v, why = ff, ff_v, " (each filter sees one channel)"
        elif g > 1:
            per, per_v, why = f"{ff}{X}n_C_prev/groups", f"{ff_v}{X}{num(c)}/{g}", ""
        else:
            per, per_v, why = f"{ff}{X}n_C_prev", f"{ff_v}{X}{num(c)}", ""
        work.add("weights", f"{per}{X}n_C{why}", (f"{per_v}{X}{num(out_c)}",), count(weights))
        if self.bias:
            work.add("biases", "n_C, one per filter", (), count(biases))
            work.add("parameters", f"({per} + 1){X}n_C", (f"({per_v} + 1){X}{num(out_c)}",),
                     count(weights + biases), key="params")
        else:
            work.add("biases", "none: bias is false", (), "0")
            work.add("parameters", "weights", (), count(weights + biases), key="params")
        outs = f"{num(out_h)}{X}{num(out_w)}{X}{num(out_c)}"
        mid = (
            (f"{count(out_h * out_w * out_c)}{X}{count(macs // (out_h * out_w * out_c))}",)
            if isinstance(macs, int)
            else ()
        )
        work.add("MACs", f"(n_H{X}n_W{X}n_C){X}({per})", (f"({outs}){X}({per_v})", *mid), count(macs), key="macs")
        work.extend([activations(out)])

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.s, self.dilation)


def check_groups(c_in: Dim, filters: Dim, groups: int) -> None:
    for what, value in (("input channels", c_in), ("filters", filters)):
        if dims.is_true(dims.mod(value, groups) != 0) is True:
            raise ShapeError(f"{what} ({value}) are not divisible by groups ({groups})")
