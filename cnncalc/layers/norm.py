"""Normalization: batch norm (learned gamma/beta, running statistics) and LRN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import Arg, Cost, Layer, Shape, boolean, number, positive


@dataclass(frozen=True, slots=True)
class BatchNorm(Layer):
    """2C parameters (gamma, beta) and 2C buffers (running mean and variance).

    `affine: false` drops gamma and beta, as Caffe's BatchNorm without a Scale layer;
    `scale: false` drops gamma alone, `center: false` beta alone (Keras' BatchNormalization)."""

    KIND = "bn"
    ARGS = {
        "affine": Arg(boolean, True, "learn gamma and beta"),
        "scale": Arg(boolean, True, "learn gamma (with affine)"),
        "center": Arg(boolean, True, "learn beta (with affine)"),
        "epsilon": Arg(number, 1e-5, "added to the variance"),
        "momentum": Arg(number, 0.1, "running-statistics momentum"),
    }

    affine: bool = True
    scale: bool = True
    center: bool = True
    epsilon: float = 1e-5
    momentum: float = 0.1

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        c = inputs[0][-1]
        return Cost(
            output=tuple(inputs[0]),
            weights=c if self.affine and self.scale else 0,
            biases=c if self.affine and self.center else 0,
            buffers=2 * c,
        )


@dataclass(frozen=True, slots=True)
class LocalResponseNorm(Layer):
    KIND = "lrn"
    ARGS = {
        "size": Arg(positive, 5, "channels in the normalization window"),
        "alpha": Arg(number, 1e-4),
        "beta": Arg(number, 0.75),
        "k": Arg(number, 1.0),
    }

    size: int = 5
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 1.0

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        return Cost(output=tuple(inputs[0]))
