"""zeropad: adds rows and columns of zeros, n + p_before + p_after."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, need_volume, pad_amount
from .steps import QUIET, Work, count, free, num


class ZeroPad(Layer):
    KIND = "zeropad"
    ARGS = {"p": Arg(pad_amount, doc="p | [p_h, p_w] | [top, bottom, left, right]")}
    MAIN_ARG = "p"

    p: tuple[int, int, int, int]

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        t, b, left, right = self.p
        out = (h + t + b, w + left + right, c)
        if work:
            if (h, t, b) == (w, left, right):  # the same arithmetic: once, as for conv
                work.add("n_H = n_W", "n_H_prev + p_top + p_bottom", (f"{num(h)} + {t} + {b}",), count(out[0]),
                         key="output")
            else:
                work.add("n_H", "n_H_prev + p_top + p_bottom", (f"{num(h)} + {t} + {b}",), count(out[0]),
                         key="output")
                work.add("n_W", "n_W_prev + p_left + p_right", (f"{num(w)} + {left} + {right}",), count(out[1]),
                         key="output")
            work.add("n_C", "n_C_prev", (), count(c), key="output")
            work.extend(free(out))
        return Cost(output=out, padding=self.p)
