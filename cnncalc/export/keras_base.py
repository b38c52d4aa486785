"""The pieces the Keras export builds from (keras_plan.py, keras_conv.py): a planned Keras layer
(`KLayer`), Keras names, and the few helpers every emitter uses to write constructor arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..report import Row

KERAS_ACTIVATIONS = {
    "relu": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "elu": "elu", "selu": "selu",
    "gelu": "gelu", "silu": "silu", "swish": "swish", "mish": "mish", "sigmoid": "sigmoid",
    "hard_sigmoid": "hard_sigmoid", "hardswish": "hard_swish", "tanh": "tanh", "softmax": "softmax",
    "softplus": "softplus", "linear": "linear", "identity": "linear",
}  # fmt: skip


@dataclass
class KLayer:
    name: str  # the Keras layer name
    cls: str  # its Keras class
    args: list[str]  # constructor arguments, as code
    inputs: list[str]  # Keras names of the layers it reads ('input' for the model's input)
    output: tuple[Any, ...]
    params: Any = 0  # Keras' count_params() of the layer
    trainable: bool = True
    notes: list[str] = field(default_factory=list)
    helper: bool = False  # a class of the script's own (keras_helpers.py), not of keras.layers
    holds: bool = False  # holds the row's weights when other layers come with it
    reuses: str | None = None  # a shared layer's later call: the KLayer (first call) it calls again


def keras_name(name: str) -> str:
    """Keras refuses '/' in a layer name (a nested model's rows carry one), and its torch
    backend '.' (a composite's rows carry one): both become '_' (plan keeps them unique)."""
    return name.replace("/", "_").replace(".", "_")


def kw(**items: Any) -> list[str]:
    """Keyword arguments as code, those given as None left out."""
    return [f"{k}={v!r}" for k, v in items.items() if v is not None]


def pair(value: Any) -> tuple[int, int]:
    return (int(value[0]), int(value[1]))


def one(row: Row, cls: str, args: list[str], ins: list[str]) -> list[KLayer]:
    return [KLayer(keras_name(row.name), cls, args, ins, tuple(row.output))]


def helper(row: Row, cls: str, args: list[str], ins: list[str]) -> list[KLayer]:
    """One layer of a class the script defines itself (keras_helpers.py)."""
    made = one(row, cls, args, ins)
    made[0].helper = True
    return made


def activation_arg(name: str | None) -> str | None:
    return None if name is None else KERAS_ACTIVATIONS[name]
