"""fc: fully connected, n_in x n_out weights; a 3-D input is flattened first."""

from __future__ import annotations

from collections.abc import Sequence

from .. import dims
from .base import Arg, Cost, Layer, Shape, activation_name, boolean, positive
from .steps import QUIET, Work, X, activations, count, num, shape


class FullyConnected(Layer):
    """A 3-D input is flattened first (n_H * n_W * n_C values)."""

    KIND = "fc"
    ARGS = {
        "units": Arg(positive, doc="output units"),
        "bias": Arg(boolean, True, "learn a bias per unit"),
        "activation": Arg(activation_name, None, "activation applied after (adds no row)"),
    }
    MAIN_ARG = "units"

    units: int
    bias: bool = True
    activation: str | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        s, u = inputs[0], self.units
        if work:
            if len(s) == 3:
                work.add("n_in (implicit flatten)", f"n_H{X}n_W{X}n_C", (X.join(num(d) for d in s),),
                         count(dims.product(s)),
                         f"the {shape(s)} volume is stretched into one vector of {count(dims.product(s))} values")
            else:
                work.add("n_in", "units of the previous layer", (), count(s[0]))
            work.add("n_out", "units", (), count(u), key="output")
        n_in = dims.product(s)
        weights = work.let(n_in * u, "weights", f"n_in{X}n_out", lambda: (f"{num(n_in)}{X}{num(u)}",))
        biases = u if self.bias else 0
        if work:
            if self.bias:
                work.add("biases", "n_out, one per unit", (), count(biases))
                work.add("parameters", f"(n_in + 1){X}n_out", (f"({num(n_in)} + 1){X}{num(u)}",),
                         count(weights + biases), key="params")
            else:
                work.add("parameters", "weights only: bias is false", (), count(weights), key="params")
        macs = work.let(n_in * u, "MACs", f"n_in{X}n_out", lambda: (f"{num(n_in)}{X}{num(u)}",), key="macs")
        work.extend([activations((u,))])
        return Cost(output=(u,), weights=weights, biases=biases, macs=macs)
