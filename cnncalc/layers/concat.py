"""concat: inputs joined along the channels; n_H and n_W must match."""

from __future__ import annotations

from collections.abc import Sequence

from .base import Arg, Cost, Layer, Shape, activation_name, need_equal
from .steps import QUIET, Work, X, count, free, num


class Concat(Layer):
    """n_H and n_W must match; channels add up."""

    KIND = "concat"
    ARGS = {"activation": Arg(activation_name, None, "activation applied after")}
    MIN_INPUTS = 2
    MAX_INPUTS = 1_000

    activation: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        need_equal(self.KIND, "equal n_H and n_W" if len(inputs[0]) == 3 else "equal ranks", inputs,
                   last_may_differ=True)
        channels = sum((s[-1] for s in inputs[1:]), inputs[0][-1])
        out = (*inputs[0][:-1], channels)
        if work:
            if len(out) == 3:
                sizes = ", ".join(f"{n} {num(s[0])}{X}{num(s[1])}" for n, s in zip(work.inputs, inputs, strict=True))
                work.add("n_H, n_W", "must be equal in every input", (sizes,), f"{num(out[0])}, {num(out[1])}",
                         key="output")
            work.add("n_C" if len(out) == 3 else "units", "the inputs' channels add up",
                     (" + ".join(num(s[-1]) for s in inputs),), count(channels), key="output")
            work.extend(free(out))
        return Cost(output=out)
