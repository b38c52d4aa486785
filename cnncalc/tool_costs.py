"""What each counting tool charges one row of a given layer kind: a table keyed by kind.

`KIND_COSTS[kind]` holds one rule per tool whose figure depends on the kind (torchinfo, fvcore,
ptflops, Darknet and the original Darknet); cnncalc's and Keras's own figures do not. Every
registered kind has a row (tests/test_kind_tables.py): a kind a tool does not charge says so
with `zero`, never by falling through. The sources each rule was read from are quoted above
its tool's rules; `cnncalc/conventions.py` turns them into conventions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import dims
from .layers import Shape
from .report import Row


@dataclass(frozen=True, slots=True)
class RowView:
    """What a rule needs of a row: the layer, its cost, and the shapes around it."""

    row: Row
    inputs: tuple[Shape, ...]

    @property
    def layer(self) -> Any:
        assert self.row.leaf is not None
        return self.row.leaf.layer

    @property
    def kind(self) -> str:
        return self.layer.KIND

    @property
    def cost(self) -> Any:
        assert self.row.leaf is not None
        return self.row.leaf.cost

    @property
    def in_values(self) -> Any:
        return dims.product(self.inputs[0])

    @property
    def out_values(self) -> Any:
        return dims.product(self.row.output)

    @property
    def spatial_out(self) -> Any:
        out = self.row.output
        return out[0] * out[1] if len(out) == 3 else 1

    @property
    def fused_activation(self) -> str | None:
        """The `activation:` key of a conv/fc/merge: a separate activation module in PyTorch."""
        return getattr(self.layer, "activation", None)

    @property
    def function(self) -> str | None:
        """The activation function of an activation row, else None."""
        return getattr(self.layer, "function", None) if self.kind == "activation" else None


Rule = Callable[[RowView], Any]


def zero(v: RowView) -> Any:
    """The tool charges nothing for this kind."""
    return 0


def weight_macs(v: RowView) -> Any:
    """The weight multiplications, as cnncalc counts them."""
    return v.row.macs


# ---- torchinfo ---------------------------------------------------------------------------
# torchinfo/layer_info.py, LayerInfo.calculate_macs: for each parameter named weight or bias,
# a class whose name contains "Conv" adds params * prod(output spatial dims) (bias included,
# and ConvTranspose2d too: its MACs follow the output, not the input); every other class adds
# params * batch (so nn.Linear adds weights + biases, nn.BatchNorm2d adds 2C). Layers without
# parameters add nothing. torchinfo/model_statistics.py sums leaf layers' params and MACs.


def per_output_position(v: RowView) -> Any:
    """torchinfo's rule for a class named *Conv*: its parameters at each output position."""
    return v.row.params * v.spatial_out


def params_once(v: RowView) -> Any:
    """torchinfo's rule for every other class: its parameters, once per sample."""
    return v.row.params


# ---- fvcore ------------------------------------------------------------------------------
# fvcore/nn/flop_count.py _DEFAULT_SUPPORTED_OPS and fvcore/nn/jit_handles.py; fvcore counts
# one fused multiply-add as one "flop", so its flops are MACs:
#   aten::_convolution: prod(weight shape) * prod(output spatial) (transposed: input spatial),
#     bias ignored (conv_flop_count);
#   aten::linear / aten::addmm: in_features * out_features per row (bias ignored);
#   aten::batch_norm: in eval mode numel * 2 with affine, * 1 without (batchnorm_flop_jit;
#     in training mode it would be 5 or 4 per value: the rule here is the eval-mode one);
#   aten::upsample_nearest2d: 1 per output value; aten::upsample_bilinear2d: 4 per output value;
#   aten::adaptive_avg_pool2d: 1 per input value (elementwise_flop_counter(1, 0));
#   aten::bmm (the exporter's locally connected layer, one product per position): n * c * t * d;
#   aten::layer_norm: numel * 5 with gamma and beta, * 4 without (norm_flop_counter, "a rough
#     estimate"), in eval mode too;
#   everything else: relu/cat/dropout/flatten are in _IGNORED_OPS of jit_analysis.py, and
#   max_pool2d, avg_pool2d, add, sigmoid, softmax have no handle (skipped with a warning).


def _bn_values(v: RowView) -> Any:
    return v.in_values * (2 if v.layer.affine else 1)


def _fv_layer_norm(v: RowView) -> Any:
    return v.in_values * (5 if v.layer.affine else 4)


def _fv_upsample(v: RowView) -> Any:
    return v.out_values * (4 if v.layer.mode == "bilinear" else 1)


def _fv_adaptive(v: RowView) -> Any:
    return v.in_values if v.layer.mode == "avg" else 0


# ---- ptflops -----------------------------------------------------------------------------
# ptflops/pytorch_ops.py (MODULES_MAPPING hooks) and ptflops/pytorch_engine.py
# (get_flops_pytorch with the default count_functional=True, which also patches the
# torch.nn.functional calls of FUNCTIONAL_MAPPING). Its figure is "MACs":
#   conv_flops_counter_hook: prod(kernel) * C_in * C_out/groups per output position
#     (input position for ConvTranspose2d) + one per output value when there is a bias;
#   linear_flops_counter_hook: in * out + out (bias); F.linear is not patched;
#   bn_flops_counter_hook: numel(input) * 2 with affine, * 1 without;
#   pool_flops_counter_hook: numel(input), for MaxPool2d/AvgPool2d/Adaptive*Pool2d; and
#     their forward calls F.max_pool2d/F.avg_pool2d/F.adaptive_*_pool2d, which the patched
#     functional counts again (numel(input)), so a pool costs 2 * numel(input);
#   upsample_flops_counter_hook: numel(output), and nn.Upsample's F.interpolate counts
#     numel(input) * scale^2 again: 2 * numel(output);
#   nn.LayerNorm -> bn_flops_counter_hook: numel(input), once (it has `elementwise_affine`, not
#     the `affine` that doubles it); the exporter's LayerNorm2d subclass is not hooked and its
#     F.layer_norm not patched: 0;
#   relu_flops_counter_hook: numel(output) for ReLU, ELU, LeakyReLU, ReLU6, GELU (PReLU);
#     ReLU, ELU and GELU call a patched F.relu/F.elu/F.gelu (counted twice), ReLU6
#     (F.hardtanh) and LeakyReLU (F.leaky_relu) do not; SiLU and Softmax are not hooked
#     modules but call the patched F.silu/F.softmax (once); sigmoid, tanh and the rest: 0;
#   `a + b` (Tensor.__add__) and torch.cat are not patched: 0. Params: every parameter.
#   Only the exact classes are hooked (`type(module) in MODULES_MAPPING`): the exporter's
#   ConvTranspose2dTrimmed counts 0, LocallyConnected2d only its patched torch.bmm
#   (_matmul_tensor_flops_hook: the weight multiplications), and a pool padded by F.pad
#   reads (and is charged for) the padded input.
PTFLOPS_ACTIVATION = {
    "relu": 2, "elu": 2, "gelu": 2,  # hooked module + patched functional
    "relu6": 1, "leaky_relu": 1,  # hooked module only
    "silu": 1, "swish": 1, "softmax": 1,  # patched functional only
}  # fmt: skip
# An `activation:` key is the functional call after the layer (F.relu, F.softmax, ...: what
# `cnncalc export` writes): counted once when FUNCTIONAL_MAPPING patches it, else 0
# (F.leaky_relu, F.selu, torch.sigmoid, torch.tanh, ...). An add's key is the exception: the
# activation module torchvision's residual blocks call after the sum (`self.relu(out)`, one
# nn.ReLU shared in the block; the hook counts its output at each call), counted as the
# activation row's module (PTFLOPS_ACTIVATION), and what export writes too (`Add(nn.ReLU())`).
PTFLOPS_FUNCTIONAL = {name: 1 for name in ("relu", "relu6", "elu", "gelu", "silu", "swish", "softmax")}


def _bias_values(v: RowView) -> Any:
    """One addition per output value when the layer has a bias (ptflops' conv/linear rule)."""
    return v.out_values if v.cost.biases else 0


def _native_pool(v: RowView) -> bool:
    """nn.MaxPool2d/AvgPool2d pad symmetrically, at most f/2; else export pads with F.pad."""
    top, bottom, left, right = v.cost.padding or (0, 0, 0, 0)
    return top == bottom and left == right and 2 * top <= v.layer.f[0] and 2 * left <= v.layer.f[1]


def _padded_pool_input(v: RowView) -> Any:
    """The values of the F.pad-padded tensor the exported pool reads: the input with its
    top/left padding, and bottom/right padding only as far as the last window reaches (never
    negative: rows past it stay, unread)."""
    f, s = v.layer.f, v.layer.stride
    h, w, c = v.inputs[0]
    top, _, left, _ = v.cost.padding or (0, 0, 0, 0)
    rows = max((v.row.output[0] - 1) * s[0] + f[0], h + top)
    cols = max((v.row.output[1] - 1) * s[1] + f[1], w + left)
    return rows * cols * c


def _native_deconv(v: RowView) -> bool:
    """nn.ConvTranspose2d says the padding; else export trims a subclass ptflops does not hook."""
    layer = v.layer
    explicit = layer.padding if isinstance(layer.padding, tuple) else (0, 0, 0, 0)
    for axis in (0, 1):
        n, f, s, d = v.inputs[0][axis], layer.f[axis], layer.s[axis], layer.dilation[axis]
        full = (n - 1) * s + d * (f - 1) + 1
        if layer.padding == "same":
            total = max(d * (f - 1) + 1 - s, 0)
            before, after = total // 2, total - total // 2
        else:
            before, after = explicit[2 * axis], explicit[2 * axis + 1]
        extra = v.row.output[axis] - (full - before - after)
        if before != after or not 0 <= extra < max(s, d):
            return False
    return True


def _pt_conv(v: RowView) -> Any:
    return v.row.macs + _bias_values(v)


def _pt_deconv(v: RowView) -> Any:
    return _pt_conv(v) if _native_deconv(v) else 0


def _pt_pool(v: RowView) -> Any:
    return 2 * (v.in_values if _native_pool(v) else _padded_pool_input(v))


def _pt_lrn(v: RowView) -> Any:
    # nn.LocalResponseNorm -> F.local_response_norm: input.mul(input), a patched avg_pool
    # over C + size - 1 padded channels, then .mul(alpha).add(k) (Tensor.mul/add patched)
    c = v.inputs[0][-1]
    return v.in_values // c * (c + v.layer.size - 1) + 3 * v.in_values


def _pt_layer_norm(v: RowView) -> Any:
    return v.in_values if len(v.inputs[0]) == 1 else 0  # nn.LayerNorm; a volume's LayerNorm2d: 0


def _twice_in(v: RowView) -> Any:
    return 2 * v.in_values


def _twice_out(v: RowView) -> Any:
    return 2 * v.out_values


def _pt_activation(v: RowView) -> Any:
    return PTFLOPS_ACTIVATION.get(v.function or "", 0) * v.out_values


# ---- darknet-pjreddie (the original Darknet) ----------------------------------------------
# pjreddie/darknet src/convolutional_layer.c prints per layer
# (2.0 * l.n * l.size*l.size*l.c/l.groups * l.out_h*l.out_w)/1e9 "BFLOPs": 2 x the weight
# multiply-adds, bias excluded; the published "Ops" (pjreddie.com/darknet, e.g. YOLOv3-416
# 65.86 Bn, AlexNet 2.27 Bn) are 2 x the multiply-adds of convolutional and connected layers
# and nothing else. Parameters: what a .weights file stores per layer (src/parser.c
# save_convolutional_weights: biases, and with batch_normalize scales, rolling_mean,
# rolling_variance, then weights), i.e. learned values + BN running statistics.


# ---- darknet (issue 7: the maintained fork) -----------------------------------------------
# AlexeyAB/darknet's "Total BFLOPS" (src/parser.c parse_network_cfg_custom sums l.bflops):
#   src/convolutional_layer.c: l.bflops = (2.0 * l.nweights * l.out_h*l.out_w) / 1e9;
#   src/maxpool_layer.c (also [local_avgpool]): l.bflops = (l.size*l.size*l.c *
#     l.out_h*l.out_w) / 1e9, one per window element;
#   src/shortcut_layer.c: l.bflops = l.out_w * l.out_h * l.out_c * l.n / 1e9, one addition
#     per value per extra input;
#   src/connected_layer.c sets no bflops: connected layers count 0 (unlike pjreddie's site).


def _ab_conv(v: RowView) -> Any:
    return (v.row.macs, 2 * v.row.macs)


def _ab_pool(v: RowView) -> Any:
    f = v.layer.f
    return (0, f[0] * f[1] * v.out_values)


def _ab_sum(v: RowView) -> Any:
    return (0, v.out_values * (len(v.inputs) - 1))


def _ab_zero(v: RowView) -> Any:
    return (0, 0)


@dataclass(frozen=True, slots=True)
class KindCosts:
    """One kind's row: each tool's figure for it (Darknet's: its MACs and its FLOPs)."""

    torchinfo: Rule  # mult-adds
    fvcore: Rule  # "flops" (MACs)
    ptflops: Rule  # MACs, before a fused activation's
    darknet: Rule  # (MACs, FLOPs), AlexeyAB's fork
    darknet_pjreddie: Rule  # MACs


_C, _P = per_output_position, params_once
KIND_COSTS: dict[str, KindCosts] = {
    #                            torchinfo  fvcore         ptflops         darknet   darknet-pjreddie
    "conv": KindCosts(_C, weight_macs, _pt_conv, _ab_conv, weight_macs),
    "depthwise": KindCosts(_C, weight_macs, _pt_conv, _ab_conv, weight_macs),
    "deconv": KindCosts(_C, weight_macs, _pt_deconv, _ab_zero, zero),
    "local": KindCosts(_P, weight_macs, weight_macs, _ab_zero, zero),  # the exporter's torch.bmm
    "fc": KindCosts(_P, weight_macs, _pt_conv, _ab_zero, weight_macs),
    "pool": KindCosts(_P, zero, _pt_pool, _ab_pool, zero),
    "gap": KindCosts(_P, lambda v: v.in_values, _twice_in, _ab_zero, zero),
    "gmp": KindCosts(_P, zero, _twice_in, _ab_zero, zero),
    "adaptive_pool": KindCosts(_P, _fv_adaptive, _twice_in, _ab_zero, zero),
    "flatten": KindCosts(_P, zero, zero, _ab_zero, zero),
    "bn": KindCosts(_P, _bn_values, _bn_values, _ab_zero, zero),
    "lrn": KindCosts(_P, zero, _pt_lrn, _ab_zero, zero),
    "dropout": KindCosts(_P, zero, zero, _ab_zero, zero),
    "activation": KindCosts(_P, zero, _pt_activation, _ab_zero, zero),
    "identity": KindCosts(_P, zero, zero, _ab_zero, zero),
    "zeropad": KindCosts(_P, zero, zero, _ab_zero, zero),
    "upsample": KindCosts(_P, _fv_upsample, _twice_out, _ab_zero, zero),
    "crop": KindCosts(_P, zero, zero, _ab_zero, zero),
    "split": KindCosts(_P, zero, zero, _ab_zero, zero),
    "space_to_depth": KindCosts(_P, zero, zero, _ab_zero, zero),
    "add": KindCosts(_P, zero, zero, _ab_sum, zero),
    "concat": KindCosts(_P, zero, zero, _ab_zero, zero),
    "multiply": KindCosts(_P, zero, zero, _ab_zero, zero),
    "maximum": KindCosts(_P, zero, zero, _ab_zero, zero),
    "shortcut": KindCosts(_P, zero, zero, _ab_sum, zero),
    "scale": KindCosts(_P, zero, zero, _ab_zero, zero),
    "prelu": KindCosts(_P, zero, _twice_out, _ab_zero, zero),  # nn.PReLU hooked, F.prelu patched
    "channel_shuffle": KindCosts(_P, zero, zero, _ab_zero, zero),
    "slice": KindCosts(_P, zero, zero, _ab_zero, zero),
    "layer_norm": KindCosts(_P, _fv_layer_norm, _pt_layer_norm, _ab_zero, zero),
    "layer_scale": KindCosts(_P, zero, zero, _ab_zero, zero),
    "stochastic_depth": KindCosts(_P, zero, zero, _ab_zero, zero),
    # the ONNX and Keras readers' kinds: no tool's rule above charges them
    **{kind: KindCosts(_P, zero, zero, _ab_zero, zero) for kind in (
        "instance_norm", "operator", "reshape", "rescaling", "normalization", "cropping", "custom", "pad",
        "attention", "dfl")},
}


def costs_of(v: RowView) -> KindCosts:
    """The kind's row; a kind without one is an error naming it, never a guess."""
    try:
        return KIND_COSTS[v.kind]
    except KeyError:
        raise KeyError(f"layer kind '{v.kind}' has no entry in the conventions' KIND_COSTS table") from None
