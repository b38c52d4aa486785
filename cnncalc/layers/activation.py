"""activation: one row for an activation function (relu, sigmoid, ...); the shape is kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from .base import ACTIVATIONS, Arg, Cost, Layer, Shape, number
from .steps import QUIET, Work, unchanged


@dataclass(frozen=True, slots=True)
class Activation(Layer):
    """One row for an activation function; `function` is the kind it was written as."""

    KIND = "activation"
    ARGS = {"alpha": Arg(number, None, "slope (leaky_relu) or alpha (elu)")}
    MAIN_ARG = "alpha"
    FUNCTIONS: ClassVar[tuple[str, ...]] = ACTIVATIONS

    function: str = "relu"
    alpha: float | None = None

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        unchanged(work, inputs[0], f"{self.function} works on each value apart")
        return Cost(output=tuple(inputs[0]))
