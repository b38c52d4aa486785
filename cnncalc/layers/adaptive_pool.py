"""adaptive_pool: PyTorch's AdaptiveAvgPool2d/AdaptiveMaxPool2d, any input to `output` h x w."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from .. import dims
from ..dims import Dim
from .base import Arg, Cost, Layer, Pair, Shape, Window, need_volume, size_pair
from .pool import POOL_MODE
from .steps import QUIET, Work, X, count, free, num


class AdaptivePool(Layer):
    """PyTorch's AdaptiveAvgPool2d/AdaptiveMaxPool2d: any input to `output` h x w."""

    KIND = "adaptive_pool"
    ARGS = {
        "output": Arg(size_pair, doc="[h, w] of the output"),
        "mode": Arg(POOL_MODE, "avg", "avg | max"),
    }
    MAIN_ARG = "output"

    output: Pair
    mode: str = "avg"

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        out = (self.output[0], self.output[1], c)
        if work:
            work.add("n_H, n_W", f"output (windows adapt to the {num(h)}{X}{num(w)} input)", (),
                     f"{self.output[0]}, {self.output[1]}", key="output")
            work.add("n_C", "n_C_prev", (), count(c), key="output")
            work.extend(free(out))
        return Cost(output=out)

    def window(self, inputs: Sequence[Shape]) -> Window:
        # PyTorch's bins: bin i of n -> m spans floor(i n/m) to ceil((i+1) n/m); the widest one
        # is the window, and the bins start n/m apart (a fraction when m does not divide n)
        h, w = inputs[0][0], inputs[0][1]
        return Window(
            kernel=(widest_bin(h, self.output[0]), widest_bin(w, self.output[1])),
            stride=(_ratio(h, self.output[0]), _ratio(w, self.output[1])),
            whole_input=self.output[0] == self.output[1] == 1,
            bins=True,
        )

    def extent(self, n: Any, k: Any, axis: int) -> str:
        return f"k = {num(k)}, the widest of PyTorch's bins from {num(n)} to {num(self.output[axis])}"


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
