"""Fully connected layers and flatten."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import dims
from .base import Arg, Cost, Layer, Shape, activation_name, boolean, positive


@dataclass(frozen=True, slots=True)
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

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        n_in = dims.product(inputs[0])
        return Cost(
            output=(self.units,),
            weights=n_in * self.units,
            biases=self.units if self.bias else 0,
            macs=n_in * self.units,
        )


@dataclass(frozen=True, slots=True)
class Flatten(Layer):
    KIND = "flatten"

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return Cost(output=(dims.product(inputs[0]),))
