"""local: locally connected, a conv whose every output position has its own filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Cost, Layer, Pair, Shape, Window, need_volume
from .conv import CONV_ARGS
from .steps import QUIET, Work, X, activations, count, num, pair
from .window import kernel_window, slide_volume


class Local(Layer):
    """Locally connected: a conv whose every output position has its own filters."""

    KIND = "local"
    ARGS = {k: CONV_ARGS[k] for k in ("filters", "f", "s", "padding", "bias", "activation")}

    filters: int
    f: Pair
    s: Pair = (1, 1)
    padding: Any = "valid"
    bias: bool = True
    activation: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c_in = need_volume(self.KIND, inputs[0])[2]
        h, w, pad, notes = slide_volume(inputs[0], self.KIND, self.f, self.s, (1, 1), self.padding, work=work)
        kernel = self.f[0] * self.f[1] * c_in
        positions = h * w * self.filters
        cost = Cost(
            output=(h, w, self.filters),
            weights=positions * kernel,
            biases=positions if self.bias else 0,
            macs=positions * kernel,
            padding=pad,
            notes=notes,
        )
        if work:
            work.add("n_C", "number of filters", (), count(self.filters), key="output")
            ff, ff_v = pair(self.f)
            at = f"{num(h)}{X}{num(w)}{X}{num(self.filters)}"
            plus = " + 1" if self.bias else ""
            work.add("parameters", f"n_H{X}n_W{X}n_C{X}({ff}{X}n_C_prev{plus}) (no weight sharing)",
                     (f"{at}{X}({ff_v}{X}{num(c_in)}{plus})",), count(cost.params), key="params")
            work.add("MACs", f"(n_H{X}n_W{X}n_C){X}({ff}{X}n_C_prev)", (f"({at}){X}({ff_v}{X}{num(c_in)})",),
                     count(cost.macs), key="macs")
            work.extend([activations(cost.output)])
        return cost

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.s, (1, 1))
