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

from collections.abc import Callable
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


def _bias(v: Any) -> Any:
    return v.out_values if v.cost.biases else 0


def _adaptive(v: Any) -> Any:
    layer, out = v.layer, v.out_values
    if tuple(layer.output) == (1, 1):
        return v.in_values + _DIV * out if layer.mode == "avg" else 0
    (h, w), (oh, ow) = v.inputs[0][:2], layer.output  # export's window: n - (m - 1) floor(n/m)
    return out * (h - (oh - 1) * dims.floordiv(h, oh)) * (w - (ow - 1) * dims.floordiv(w, ow))


def _sum(v: Any) -> Any:
    return v.out_values * (len(v.inputs) - 1)


def _none(v: Any) -> Any:
    return 0


# MACs of one row per kind (keyed by `Layer.KIND`); every registered kind has an entry
# (tests/test_kind_tables.py): a kind onnx-tool does not profile, or counts as 0, says so here.
MACS: dict[str, Callable[[Any], Any]] = {
    "conv": lambda v: v.row.macs + _bias(v),
    "depthwise": lambda v: v.row.macs + _bias(v),
    "fc": lambda v: v.row.macs + _bias(v),
    "deconv": lambda v: v.out_values * v.layer.filters * v.layer.f[0] * v.layer.f[1] + _bias(v),
    "pool": lambda v: v.out_values * v.layer.f[0] * v.layer.f[1],
    "gap": lambda v: v.in_values + _DIV * v.out_values,
    "adaptive_pool": _adaptive,
    "bn": lambda v: v.out_values * (31 if v.layer.affine else 2),  # without gamma/beta: a Sub and a Mul
    "instance_norm": lambda v: v.out_values * 14,
    "layer_norm": lambda v: v.out_values * 7 + dims.floordiv(v.out_values, v.row.output[-1]) * (1 + _SQRT + _DIV),
    "lrn": lambda v: v.out_values * (_DIV + _EXP + 1 + v.layer.size),
    "activation": lambda v: v.out_values * _ACTIVATION[v.layer.function],
    "add": _sum, "multiply": _sum, "maximum": _sum, "shortcut": _sum,
    "scale": lambda v: v.out_values * (2 if v.layer.bias else 1),
    "layer_scale": lambda v: v.out_values,
    "prelu": lambda v: v.out_values * 2,
    "upsample": lambda v: v.out_values * (4 if v.layer.mode == "bilinear" else 0),
    **{kind: _none for kind in (
        "gmp", "concat", "flatten", "zeropad", "crop", "split", "slice", "channel_shuffle", "dropout", "identity",
        "local", "space_to_depth", "stochastic_depth", "operator", "reshape", "rescaling", "normalization",
        "cropping", "custom", "pad", "attention", "dfl",
    )},
}  # fmt: skip


def _macs(v: Any) -> Any:
    try:
        rule = MACS[v.kind]
    except KeyError:
        raise KeyError(f"layer kind '{v.kind}' has no entry in the onnx-tool convention's MACS table") from None
    return rule(v)


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
