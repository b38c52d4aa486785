"""upsample: n x factor by nearest or bilinear interpolation; nothing learned."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from .base import Arg, Cost, Layer, Pair, Shape, Window, choice, need_volume, positive_pair
from .steps import QUIET, Work, X, activations, count, num


class Upsample(Layer):
    KIND = "upsample"
    ARGS = {
        "factor": Arg(positive_pair, (2, 2), "scale factor, or [f_h, f_w]"),
        "mode": Arg(choice("nearest", "bilinear"), "nearest"),
    }
    MAIN_ARG = "factor"

    factor: Pair = (2, 2)
    mode: str = "nearest"

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        out = (h * self.factor[0], w * self.factor[1], c)
        if work:
            fh, fw = self.factor
            if (h, fh) == (w, fw):  # the same arithmetic: once, as for conv
                work.add("n_H = n_W", f"n_H_prev{X}factor", (f"{num(h)}{X}{fh}",), count(out[0]), key="output")
            else:
                work.add("n_H", f"n_H_prev{X}factor", (f"{num(h)}{X}{fh}",), count(out[0]), key="output")
                work.add("n_W", f"n_W_prev{X}factor", (f"{num(w)}{X}{fw}",), count(out[1]), key="output")
            work.add("n_C", "n_C_prev", (), count(c), key="output")
            work.add("parameters", f"none: {self.mode} interpolation", (), "0", key="params")
            work.add("MACs", "none", (), "0", key="macs")
            work.extend([activations(out)])
        return Cost(output=out)

    def window(self, inputs: Sequence[Shape]) -> Window:
        return Window(stride=(Fraction(1, self.factor[0]), Fraction(1, self.factor[1])))
