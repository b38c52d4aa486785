"""Layers without a convolution's shape: attention's matrix products and YOLO's DFL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dims
from ..errors import ShapeError
from .base import Arg, Cost, Layer, Shape, Window, need_volume, positive
from .steps import QUIET, Work, X, activations, count, num, shape


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

    def infer(self, inputs: Sequence[Shape], work: Work = QUIET) -> Cost:
        h, w, c = need_volume(self.KIND, inputs[0])
        need = self.heads * (2 * self.key_dim + self.head_dim)
        if dims.is_true(c != need) is True:
            raise ShapeError(
                f"attention with {self.heads} heads of key_dim {self.key_dim} and head_dim {self.head_dim} "
                f"needs {need} query/key/value channels, got {c}"
            )
        qk, av = self.products(h * w)
        cost = Cost(output=(h, w, self.heads * self.head_dim), macs=qk + av)
        if work:
            self._steps(work, (h, w, c), cost, qk, av)
        return cost

    def _steps(self, work: Work, shape_in: Shape, cost: Cost, qk: Any, av: Any) -> None:
        h, w, c = shape_in
        n = h * w
        e, k, d = self.heads, self.key_dim, self.head_dim
        work.add("N", f"n_H{X}n_W (positions)", (f"{num(h)}{X}{num(w)}",), count(n))
        work.add("n_C_prev", f"heads{X}(2 key_dim + head_dim): q, k and v of each head", (f"{e}{X}(2{X}{k} + {d})",),
                 count(c))
        work.add("output", f"n_H x n_W x heads{X}head_dim", (f"{num(h)} x {num(w)} x {e}{X}{d}",),
                 shape(cost.output), key="output")
        work.add("MACs of q^T k (matrix product)", f"heads{X}N{X}N{X}key_dim", (f"{e}{X}{num(n)}{X}{num(n)}{X}{k}",),
                 count(qk), "the attention scores; the softmax and the 1/sqrt(key_dim) scale are free")
        work.add("MACs of v attn^T (matrix product)", f"heads{X}head_dim{X}N{X}N",
                 (f"{e}{X}{d}{X}{num(n)}{X}{num(n)}",), count(av))
        work.add("MACs", "q^T k + v attn^T", (f"{num(qk)} + {num(av)}",), count(cost.macs), key="macs")
        work.add("parameters", "none (the projections are the convolutions around it)", (), "0", key="params")
        work.extend([activations(cost.output)])

    def window(self, inputs: Sequence[Shape]) -> Window:
        """Every position attends to every other: each output value sees the whole input."""
        return Window(kernel=(inputs[0][0], inputs[0][1]), whole_input=True)

    def products(self, n: Any) -> tuple[Any, Any]:
        """MACs of q^T k and of v attn^T for `n` positions."""
        return self.heads * n * n * self.key_dim, self.heads * self.head_dim * n * n
