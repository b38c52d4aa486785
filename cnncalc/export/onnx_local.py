"""ONNX writer for `local` (a locally connected layer: a conv whose every output position has its
own filters). ONNX has no such operator; this is im2col by one Gather and one batched MatMul:

    x (1, C, H, W) --Pad--> (1, C, Hp, Wp) --Reshape--> (1, C, Hp*Wp)
      --Gather(axis 2, indices P x f_h*f_w)--> (1, C, P, f_h*f_w) --Transpose--> (1, P, C, f_h*f_w)
      --Reshape--> (P, 1, C*f_h*f_w) --MatMul weight (P, C*f_h*f_w, K)--> (P, 1, K) (+ bias (P, 1, K))
      --Transpose--> (1, K, P) --Reshape--> (1, K, n_H, n_W)

P = n_H * n_W output positions, position p = i * n_W + j; the weight's middle axis runs over
(c, a, b) with b fastest: weight[p, c*f_h*f_w + a*f_w + b, k] multiplies x[c, i*s_h + a, j*s_w + b].
The weight (P * f_h*f_w*C * K values) and the bias (P * K) are the only initializers: exactly the
layer's params. The indices are one int64 Constant node of P * f_h*f_w values, so the graph stays a
handful of nodes however large the layer (one Conv per position would be P nodes).
"""

from __future__ import annotations

from ..graph import Leaf
from ..layers import Shape
from .onnx_model import Model, src


def local(m: Model, leaf: Leaf, inputs: list[Shape]) -> str:
    layer, name = leaf.layer, leaf.name
    h_in, w_in, c = (int(d) for d in inputs[0])
    oh, ow, k = (int(d) for d in leaf.output)
    fh, fw = (int(d) for d in layer.f)
    sh, sw = (int(d) for d in layer.s)
    top, bottom, left, right = (int(p) for p in (leaf.cost.padding or (0, 0, 0, 0)))
    x = src(leaf, 0)
    if top or bottom or left or right:
        x = m.node("Pad", [x, m.ints(f"{name}/pads", [0, 0, top, left, 0, 0, bottom, right])], f"{name}/pad")
    hp, wp = h_in + top + bottom, w_in + left + right
    flat = m.node("Reshape", [x, m.ints(f"{name}/flat_shape", [1, c, hp * wp])], f"{name}/flat")
    positions, window = oh * ow, fh * fw
    np = m.np
    rows = (np.arange(oh) * sh)[:, None, None, None] + np.arange(fh)[None, None, :, None]
    cols = (np.arange(ow) * sw)[None, :, None, None] + np.arange(fw)[None, None, None, :]
    index = (rows * wp + cols).reshape(positions, window).astype(np.int64)
    from onnx import numpy_helper

    indices = m.constant(f"{name}/indices", numpy_helper.from_array(index))
    patches = m.node("Gather", [flat, indices], f"{name}/patches", axis=2)
    by_position = m.node("Transpose", [patches], f"{name}/by_position", perm=[0, 2, 1, 3])
    columns = m.node("Reshape", [by_position, m.ints(f"{name}/columns_shape", [positions, 1, c * window])],
                     f"{name}/columns")
    fan_in = c * window
    out = m.node("MatMul", [columns, m.weight(f"{name}.weight", [positions, fan_in, k], fan_in)], f"{name}/matmul")
    if layer.bias:
        out = m.node("Add", [out, m.weight(f"{name}.bias", [positions, 1, k], fan_in)], f"{name}/bias")
    by_filter = m.node("Transpose", [out], f"{name}/by_filter", perm=[1, 2, 0])
    return m.node("Reshape", [by_filter, m.ints(f"{name}/shape", [1, k, oh, ow])], name)
