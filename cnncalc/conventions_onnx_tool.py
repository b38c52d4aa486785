"""The `onnx-tool` counting convention: what onnx-tool 1.0.1 (PyPI `onnx-tool`) prints for the
ONNX file `cnncalc export --to onnx` writes (or the file a network was read from).

Read from onnx_tool/node.py (each operator's `profile`) and onnx_tool/graph.py (`Graph.profile`):

- params: every initializer a node reads, once (`params_flag_map`): cnncalc's params + buffers
  (BN running mean and variance included); shape constants are Constant nodes, not counted.
- MACs ("Real MACs: the number of x86 instructions"): every multiply, add and compare, with
  MUL = ADD = CMP = 1, DIV = 4, EXP = 32, SQRT = 24, LOG = 43, TANH = EXP + 2 ADD + DIV = 38:
  Conv `out x (C_in/g x f_h x f_w)` + `out` for a bias; ConvTranspose `out x (filters x f_h x
  f_w)` (+ bias); Gemm `out x in` + `out` for a bias; MaxPool / AveragePool `out x f_h x f_w`;
  GlobalAveragePool `in + 4 out`; BatchNormalization 31 per value (ADD + SQRT + DIV + ADD + MUL);
  InstanceNormalization 14 per value; LayerNormalization 7 per value + 29 per normalized group;
  LRN `out x (37 + size)`; Relu 1, Clip (relu6) 2, LeakyRelu 2, PRelu 2, HardSigmoid 4,
  HardSwish 5, Sigmoid 32, Sigmoid + Mul (silu) 33, Gelu 34, Elu 35, Softmax 36, Tanh 76 (its
  ratio is 2), Softplus 76 per value; Sum / Add / Mul / Max `out x (inputs - 1)`; Resize
  linear 4 per value, nearest 0; Concat, Slice, Reshape, Transpose, Flatten, Pad, Dropout,
  Identity 0. Selu, Mish, GlobalMaxPool and SpaceToDepth have no profiler in onnx-tool 1.0.1
  (its shape inference stops on them): 0 here.
- FLOPs: onnx-tool prints MACs only; 2 x MACs, as cnncalc.
"""

from __future__ import annotations

from typing import Any

from . import dims

_DIV, _EXP, _SQRT, _LOG = 4, 32, 24, 43
_TANH = _EXP + 2 + _DIV
# per output value, the activation's node as export --to onnx writes it
_ACTIVATION = {
    "relu": 1, "relu6": 2, "leaky_relu": 2, "elu": _EXP + 3, "gelu": _EXP + 2, "silu": _EXP + 1,
    "swish": _EXP + 1, "sigmoid": _EXP, "hard_sigmoid": 4, "hardswish": 5, "tanh": 2 * _TANH,
    "softmax": _EXP + _DIV, "softplus": _EXP + 1 + _LOG, "linear": 0, "identity": 0, "selu": 0, "mish": 0,
}  # fmt: skip


def _macs(v: Any) -> Any:
    k, out, layer = v.kind, v.out_values, v.layer
    bias = out if v.cost.biases else 0
    if k in ("conv", "depthwise", "fc"):
        return v.row.macs + bias
    if k == "deconv":
        return out * layer.filters * layer.f[0] * layer.f[1] + bias
    if k == "pool":
        return out * layer.f[0] * layer.f[1]
    if k == "gap" or (k == "adaptive_pool" and tuple(layer.output) == (1, 1) and layer.mode == "avg"):
        return v.in_values + _DIV * out
    if k == "adaptive_pool" and tuple(layer.output) != (1, 1):
        (h, w), (oh, ow) = v.inputs[0][:2], layer.output  # export's window: n - (m - 1) floor(n/m)
        return out * (h - (oh - 1) * dims.floordiv(h, oh)) * (w - (ow - 1) * dims.floordiv(w, ow))
    if k == "bn":
        return out * (31 if layer.affine else 2)  # without gamma/beta: a Sub and a Mul
    if k == "instance_norm":
        return out * 14
    if k == "layer_norm":
        return out * 7 + dims.floordiv(out, v.row.output[-1]) * (1 + _SQRT + _DIV)
    if k == "lrn":
        return out * (_DIV + _EXP + 1 + layer.size)
    if k == "activation":
        return out * _ACTIVATION[layer.function]
    if k in ("add", "multiply", "maximum", "shortcut"):
        return out * (len(v.inputs) - 1)
    if k == "scale":
        return out * (2 if layer.bias else 1)
    if k == "layer_scale":
        return out
    if k == "prelu":
        return out * 2
    if k == "upsample":
        return out * (4 if layer.mode == "bilinear" else 0)
    return 0  # gmp, concat, flatten, zeropad, crop, split, slice, channel_shuffle, dropout, ...


def count(v: Any) -> Any:
    from .conventions import Cost

    macs = _macs(v)
    fused = v.fused_activation
    if fused and v.kind != "activation":
        macs = macs + v.out_values * _ACTIVATION[fused]
    return Cost(v.row.params + v.row.buffers, macs, 2 * macs)


def register(table: dict[str, Any]) -> None:
    from .conventions import Convention, Rules

    table["onnx-tool"] = Convention(
        "onnx-tool", "onnx-tool Model.graph.profile(): Total params, Total MACs (of the ONNX file)",
        "onnx_tool/node.py (each operator's profile), onnx_tool/graph.py Graph.profile",
        Rules(params="every initializer read: learned + BN running mean/variance",
              macs="every multiply, add and compare of every operator (x86 instructions)",
              bias="yes (1 per output value)",
              bn="4C params; 31 per value (add, sqrt 24, div 4, add, mul)",
              flops="2 x MACs (onnx-tool prints MACs)",
              other="pool f_h f_w per output value, global avg pool in + 4 out, ReLU 1, sigmoid 32, "
                    "tanh 76, softmax 36, add/mul n-1 per value; reshapes, concat, pad, dropout 0"),
        count, buffers_are_params=True,
    )
