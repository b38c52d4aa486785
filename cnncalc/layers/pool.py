"""pool: a max or avg window over each channel; `s` defaults to `f`. No parameters, no MACs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Arg, Cost, Layer, Pair, Shape, Window, boolean, choice, need_volume, padding_arg, positive_pair
from .steps import QUIET, Work, activations, count
from .window import kernel_window, slide_volume

POOL_MODE = choice("max", "avg")


class Pool(Layer):
    """`s` defaults to `f`; `ceil: true` rounds up with PyTorch's last-window rule."""

    KIND = "pool"
    ARGS = {
        "mode": Arg(POOL_MODE, "max", "max | avg"),
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

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        c = need_volume(self.KIND, inputs[0])[2]
        h, w, pad, notes = slide_volume(
            inputs[0], self.KIND, self.f, self.stride, (1, 1), self.padding, self.ceil, work, pool=True
        )
        if work:
            work.add("n_C", "n_C_prev: pooling works on each channel apart", (), count(c), key="output")
            article = "an" if self.mode[:1] in "aeiou" else "a"  # "an avg pool"
            work.add("parameters", f"none: {article} {self.mode} pool has nothing to learn", (), "0", key="params")
            work.add("MACs", "none: no weights to multiply by", (), "0", key="macs")
            work.extend([activations((h, w, c))])
        return Cost(output=(h, w, c), padding=pad, notes=notes)

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.stride, (1, 1))
