"""Layers without a convolution's shape: attention's matrix products and YOLO's DFL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, Window, need_volume, positive


@dataclass(frozen=True, slots=True)
class Attention(Layer):
    """The two matrix products of multi-head self-attention over the N = n_H n_W positions.

    The input holds each head's query, key and value channels (`heads x (2 key_dim + head_dim)`,
    as a 1x1 `qkv` convolution makes them); the output is each head's `head_dim` attended values.
    Per head, `q^T k` takes `N x N x key_dim` multiplications and `v attn^T` `head_dim x N x N`;
    the softmax and the scale between them are free, as for every activation.
    """

    KIND = "attention"
    ARGS = {
        "heads": Arg(positive, doc="number of heads"),
        "key_dim": Arg(positive, doc="query and key channels per head"),
        "head_dim": Arg(positive, doc="value channels per head"),
    }

    heads: int
    key_dim: int
    head_dim: int

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        need = self.heads * (2 * self.key_dim + self.head_dim)
        if dims.is_true(c != need) is True:
            raise ShapeError(
                f"attention with {self.heads} heads of key_dim {self.key_dim} and head_dim {self.head_dim} "
                f"needs {need} query/key/value channels, got {c}"
            )
        qk, av = self.products(h * w)
        return Cost(output=(h, w, self.heads * self.head_dim), macs=qk + av)

    def window(self, inputs: Sequence[Shape]) -> Window:
        """Every position attends to every other: each output value sees the whole input."""
        return Window(kernel=(inputs[0][0], inputs[0][1]), whole_input=True)

    def products(self, n: Any) -> tuple[Any, Any]:
        """MACs of q^T k and of v attn^T for `n` positions."""
        return self.heads * n * n * self.key_dim, self.heads * self.head_dim * n * n


@dataclass(frozen=True, slots=True)
class DistributionFocalLoss(Layer):
    """YOLO's DFL: each box side's `reg_max` bins reduced to one distance by a 1x1 convolution
    whose `reg_max` weights are fixed (0, 1, ..., reg_max - 1: params, never trained).

    Its inputs are the box volumes of every detection level (`4 reg_max` channels each); the
    output is the 4 distances of each of the A = sum(n_H n_W) anchors, `[4 A]`.
    """

    KIND = "dfl"
    ARGS = {"reg_max": Arg(positive, 16, "bins per box side")}
    MAIN_ARG = "reg_max"
    MAX_INPUTS = 16

    reg_max: int = 16

    def infer(self, inputs: Sequence[Shape]) -> Cost:
        anchors: Any = 0
        for shape in inputs:
            h, w, c = need_volume(self.KIND, shape)
            if dims.is_true(c != 4 * self.reg_max) is True:
                raise ShapeError(f"dfl with reg_max {self.reg_max} needs {4 * self.reg_max} channels, got {c}")
            anchors = anchors + h * w
        return Cost(output=(4 * anchors,), weights=self.reg_max, macs=4 * anchors * self.reg_max)
