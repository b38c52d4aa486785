"""depthwise: a conv with groups = n_C_prev and n_C_prev x multiplier filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Arg, Cost, Layer, Pair, Shape, Window, need_volume, positive
from .conv import CONV_ARGS, Conv
from .steps import QUIET, Work
from .window import kernel_window


class Depthwise(Layer):
    """A conv with groups = C_in and C_in * multiplier filters."""

    KIND = "depthwise"
    ARGS = {
        "f": CONV_ARGS["f"],
        "s": CONV_ARGS["s"],
        "padding": CONV_ARGS["padding"],
        "dilation": CONV_ARGS["dilation"],
        "multiplier": Arg(positive, 1, "filters per input channel"),
        "bias": CONV_ARGS["bias"],
        "activation": CONV_ARGS["activation"],
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

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        return self.as_conv(inputs).infer(inputs, work, self.multiplier)

    def window(self, inputs: Sequence[Shape]) -> Window:
        return kernel_window(self.f, self.s, self.dilation)
