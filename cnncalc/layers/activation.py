"""activation: one row for an activation function (relu, sigmoid, ...); the shape is kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from .base import ACTIVATIONS, Arg, ArgError, Cost, Layer, Shape, activation_name, number
from .steps import QUIET, Work, unchanged


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


def _function(value: Any) -> str:
    name = activation_name(value)
    if name is None:
        raise ArgError("expected an activation name, got null")
    return name


_function.__doc__ = " | ".join(ACTIVATIONS)


class ChosenActivation(Activation):
    """`- activation: {function: $act}`: an activation row whose function is an argument, so a
    block can take it (MobileNetV3's bneck: relu or hardswish). Its row is named and shown by
    the function, as if written `- hardswish`."""

    ARGS = {"function": Arg(_function, doc="the activation function"), **Activation.ARGS}
    MAIN_ARG = "function"
