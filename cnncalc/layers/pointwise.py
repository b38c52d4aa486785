"""Layers that keep the shape and have no parameters: activations, dropout, identity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from .base import ACTIVATIONS, Arg, ArgError, Cost, Layer, Shape, activation_name, fraction, number


@dataclass(frozen=True, slots=True)
class Dropout(Layer):
    KIND = "dropout"
    ARGS = {"rate": Arg(fraction, 0.5, "fraction of units dropped in training")}
    MAIN_ARG = "rate"

    rate: float = 0.5

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return Cost(output=tuple(inputs[0]))


@dataclass(frozen=True, slots=True)
class Activation(Layer):
    """One row for an activation function; `function` is the kind it was written as."""

    KIND = "activation"
    ARGS = {"alpha": Arg(number, None, "slope (leaky_relu) or alpha (elu)")}
    MAIN_ARG = "alpha"
    FUNCTIONS: ClassVar[tuple[str, ...]] = ACTIVATIONS

    function: str = "relu"
    alpha: float | None = None

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return Cost(output=tuple(inputs[0]))


def _function(value: Any) -> str:
    name = activation_name(value)
    if name is None:
        raise ArgError("expected an activation name, got null")
    return name


_function.__doc__ = " | ".join(ACTIVATIONS)


@dataclass(frozen=True, slots=True)
class ChosenActivation(Activation):
    """`- activation: {function: $act}`: an activation row whose function is an argument, so a
    block can take it (MobileNetV3's bneck: relu or hardswish). Its row is named and shown by
    the function, as if written `- hardswish`."""

    ARGS = {"function": Arg(_function, doc="the activation function"), **Activation.ARGS}
    MAIN_ARG = "function"


@dataclass(frozen=True, slots=True)
class Identity(Layer):
    """Passes its input on; also stands for parameter-free heads (Darknet's yolo, region)."""

    KIND = "identity"
    ARGS = {"role": Arg(str, None, "what it stands for, such as 'yolo'")}

    role: str | None = None

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return Cost(output=tuple(inputs[0]))
