"""Counting conventions: what torchinfo, fvcore, ptflops, Keras or Darknet would print.

Peers disagree on what a MAC or a parameter is (bias or not, BN as cost or free, 1 or 2
FLOPs per multiply-add, BN running statistics as parameters). Each convention here is one
small unit: its rules declared as data (`Rules`, shown in the README's table) and one
function from a row to that tool's (params, macs, flops) for the row. `apply` turns a
cnncalc `Report` into the same report counted the tool's way; the table, JSON, CSV and
markdown then show the tool's figures and name the convention.

The PyTorch tools count what runs in an `nn.Module`; the rules below assume the module a
person (or `cnncalc export`) would write: `nn.Conv2d`, `nn.ConvTranspose2d`, `nn.Linear`,
`nn.BatchNorm2d`, `nn.MaxPool2d`/`nn.AvgPool2d`, `nn.AdaptiveAvgPool2d(1)` for `gap`
(`nn.AdaptiveMaxPool2d(1)` for `gmp`), `nn.Upsample`, the activation's own `nn` class for an
activation row, a layer's `activation:` key as the functional call after it (`F.relu(...)`;
an add's as the module torchvision's residual blocks call after the sum), `a + b` for `add`
and `torch.cat` for `concat`, and a batch of one: what `cnncalc export` writes. Read against
torchinfo 1.8.0, fvcore 0.1.5.post20221221 and ptflops 0.7.5 (the versions the tests run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from . import dims
from .conventions_onnx_tool import register as _register_onnx_tool
from .graph import Graph
from .layers import Shape
from .report import DTYPE_BYTES, Report, Row, Totals


@dataclass(frozen=True, slots=True)
class Rules:
    """One line of the README's table: what the tool counts, in words."""

    params: str  # what the parameter total holds
    macs: str  # what its multiply-add (or "FLOP") figure holds
    bias: str  # are bias additions in it?
    bn: str  # batch norm: params/buffers, and its cost
    flops: str  # how FLOPs relate to MACs
    other: str  # pooling, activations, upsample, merges


@dataclass(frozen=True, slots=True)
class Cost:
    """One row counted a tool's way."""

    params: Any
    macs: Any
    flops: Any


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


@dataclass(frozen=True, slots=True)
class Convention:
    name: str
    tool: str  # the tool and the figure it prints
    source: str  # where the rules were read
    rules: Rules
    count: Callable[[RowView], Cost]
    buffers_are_params: bool = False  # Keras/Darknet: BN running statistics in the total
    traced: bool = False  # fvcore: a jit trace drops layers the output does not depend on


CONV_KINDS = ("conv", "depthwise", "deconv")


def _bias_values(v: RowView) -> Any:
    """One addition per output value when the layer has a bias (ptflops' conv/linear rule)."""
    return v.out_values if v.cost.biases else 0


# ---- cnncalc -----------------------------------------------------------------------------


def _cnncalc(v: RowView) -> Cost:
    return Cost(v.row.params, v.row.macs, 2 * v.row.macs)


# ---- torchinfo ---------------------------------------------------------------------------
# torchinfo/layer_info.py, LayerInfo.calculate_macs: for each parameter named weight or bias,
# a class whose name contains "Conv" adds params * prod(output spatial dims) (bias included,
# and ConvTranspose2d too: its MACs follow the output, not the input); every other class adds
# params * batch (so nn.Linear adds weights + biases, nn.BatchNorm2d adds 2C). Layers without
# parameters add nothing. torchinfo/model_statistics.py sums leaf layers' params and MACs.


def _torchinfo(v: RowView) -> Cost:
    params = v.row.params
    if v.kind in CONV_KINDS:
        macs = params * v.spatial_out
    else:
        macs = params
    return Cost(params, macs, 2 * macs)


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


def _fvcore(v: RowView) -> Cost:
    k = v.kind
    if k in CONV_KINDS or k in ("fc", "local"):  # local: the exporter's torch.bmm
        macs = v.row.macs
    elif k == "bn":
        macs = v.in_values * (2 if v.layer.affine else 1)
    elif k == "layer_norm":
        macs = v.in_values * (5 if v.layer.affine else 4)
    elif k == "upsample":
        macs = v.out_values * (4 if v.layer.mode == "bilinear" else 1)
    elif k == "gap" or (k == "adaptive_pool" and v.layer.mode == "avg"):
        macs = v.in_values
    else:
        macs = 0
    return Cost(v.row.params, macs, macs)


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


def _ptflops(v: RowView) -> Cost:
    k = v.kind
    if k in ("conv", "depthwise", "fc") or (k == "deconv" and _native_deconv(v)):
        macs = v.row.macs + _bias_values(v)
    elif k == "local":  # LocallyConnected2d is not hooked; its torch.bmm is patched, its + bias not
        macs = v.row.macs
    elif k == "bn":
        macs = v.in_values * (2 if v.layer.affine else 1)
    elif k == "pool":
        macs = 2 * (v.in_values if _native_pool(v) else _padded_pool_input(v))
    elif k in ("gap", "gmp", "adaptive_pool"):
        macs = 2 * v.in_values
    elif k == "layer_norm" and len(v.inputs[0]) == 1:  # nn.LayerNorm; a volume's LayerNorm2d: 0
        macs = v.in_values
    elif k == "lrn":
        # nn.LocalResponseNorm -> F.local_response_norm: input.mul(input), a patched avg_pool
        # over C + size - 1 padded channels, then .mul(alpha).add(k) (Tensor.mul/add patched)
        c = v.inputs[0][-1]
        macs = v.in_values // c * (c + v.layer.size - 1) + 3 * v.in_values
    elif k == "upsample":
        macs = 2 * v.out_values
    elif k == "activation":
        macs = PTFLOPS_ACTIVATION.get(v.function or "", 0) * v.out_values
    elif k == "prelu":  # nn.PReLU is hooked, and its F.prelu patched: twice
        macs = 2 * v.out_values
    else:
        macs = 0
    if v.kind != "activation" and v.fused_activation:
        per_value = PTFLOPS_ACTIVATION if k == "add" else PTFLOPS_FUNCTIONAL
        macs = macs + per_value.get(v.fused_activation, 0) * v.out_values
    # get_model_parameters_number: sum(p.numel() for p in parameters() if p.requires_grad)
    return Cost(v.row.trainable, macs, 2 * macs)


# ---- keras -------------------------------------------------------------------------------
# keras/src/utils/summary_utils.py print_summary: "Total params" counts every weight of the
# model, trainable or not; BatchNormalization's moving_mean and moving_variance are
# non-trainable weights (keras/src/layers/normalization/batch_normalization.py, built with
# trainable=False), so a BN layer shows 4C and "Non-trainable params" holds the statistics
# plus frozen layers. Keras prints no MAC or FLOP figure: cnncalc's own are kept.


def _keras(v: RowView) -> Cost:
    return Cost(v.row.params + v.row.buffers, v.row.macs, 2 * v.row.macs)


# ---- darknet-pjreddie (the original Darknet) ----------------------------------------------
# pjreddie/darknet src/convolutional_layer.c prints per layer
# (2.0 * l.n * l.size*l.size*l.c/l.groups * l.out_h*l.out_w)/1e9 "BFLOPs": 2 x the weight
# multiply-adds, bias excluded; the published "Ops" (pjreddie.com/darknet, e.g. YOLOv3-416
# 65.86 Bn, AlexNet 2.27 Bn) are 2 x the multiply-adds of convolutional and connected layers
# and nothing else. Parameters: what a .weights file stores per layer (src/parser.c
# save_convolutional_weights: biases, and with batch_normalize scales, rolling_mean,
# rolling_variance, then weights), i.e. learned values + BN running statistics.


def _darknet(v: RowView) -> Cost:
    macs = v.row.macs if v.kind in ("conv", "depthwise", "fc") else 0
    return Cost(v.row.params + v.row.buffers, macs, 2 * macs)


# ---- darknet (issue 7: the maintained fork) -----------------------------------------------
# AlexeyAB/darknet's "Total BFLOPS" (src/parser.c parse_network_cfg_custom sums l.bflops):
#   src/convolutional_layer.c: l.bflops = (2.0 * l.nweights * l.out_h*l.out_w) / 1e9;
#   src/maxpool_layer.c (also [local_avgpool]): l.bflops = (l.size*l.size*l.c *
#     l.out_h*l.out_w) / 1e9, one per window element;
#   src/shortcut_layer.c: l.bflops = l.out_w * l.out_h * l.out_c * l.n / 1e9, one addition
#     per value per extra input;
#   src/connected_layer.c sets no bflops: connected layers count 0 (unlike pjreddie's site).


def _darknet_alexeyab(v: RowView) -> Cost:
    k = v.kind
    macs = v.row.macs if k in ("conv", "depthwise") else 0
    flops = 2 * macs
    if k == "pool":
        f = v.layer.f
        flops = f[0] * f[1] * v.out_values
    elif k in ("add", "shortcut"):
        flops = v.out_values * (len(v.inputs) - 1)
    return Cost(v.row.params + v.row.buffers, macs, flops)


CONVENTIONS: dict[str, Convention] = {
    c.name: c
    for c in [
        Convention(
            "cnncalc", "cnncalc: MACs, FLOPs = 2 x MACs", "SPEC §1",
            Rules(params="learned (weights + biases, BN gamma/beta)", macs="weight multiplications",
                  bias="no", bn="2C params + 2C buffers (not params); cost 0", flops="2 x MACs",
                  other="0"),
            _cnncalc,
        ),
        Convention(
            "torchinfo", "torchinfo summary(): Total params, Total mult-adds",
            "torchinfo/layer_info.py calculate_macs",
            Rules(params="learned", macs="params x output positions (conv), params (others)",
                  bias="yes", bn="2C params, 2C mult-adds; buffers not counted",
                  flops="2 x mult-adds (torchinfo prints none)",
                  other="0 (no parameters); deconv follows its output size"),
            _torchinfo,
        ),
        Convention(
            "fvcore", "fvcore FlopCountAnalysis.total() (its 'flops' are MACs), parameter_count",
            "fvcore/nn/jit_handles.py, flop_count.py",
            Rules(params="learned",
                  macs="weight multiplications of conv/linear + BN, upsample, avg-adaptive pool",
                  bias="no", bn="2 per value (eval mode; 1 without affine)",
                  flops="= MACs (one fused multiply-add is one flop)",
                  other="upsample 1/value (bilinear 4), adaptive avg pool 1/input value; max/avg pool, "
                        "activations, add, concat 0; a layer the output does not depend on 0 "
                        "(its jit trace drops it)"),
            _fvcore, traced=True,
        ),
        Convention(
            "ptflops", "ptflops get_model_complexity_info(): MACs, params", "ptflops/pytorch_ops.py",
            Rules(params="trainable only (requires_grad)",
                  macs="conv/linear multiplications + bias adds + hooked layers",
                  bias="yes (1 per output value)", bn="2 per value (1 without affine)",
                  flops="2 x MACs (ptflops prints MACs)",
                  other="pools 2/input value, upsample 2/output value, ReLU/ELU/GELU/PReLU 2/value, "
                        "ReLU6/LeakyReLU/SiLU/softmax 1/value (hook and patched functional both count), "
                        "an activation: key (F.relu, ...) 1/value, on an add as its module; "
                        "sigmoid, tanh, add, concat 0"),
            _ptflops,
        ),
        Convention(
            "keras", "Keras model.summary(): Total/Trainable/Non-trainable params",
            "keras/src/utils/summary_utils.py",
            Rules(params="learned + BN moving mean/variance", macs="cnncalc's (Keras prints none)",
                  bias="no", bn="4C params, 2C of them non-trainable", flops="2 x MACs",
                  other="0"),
            _keras, buffers_are_params=True,
        ),
        Convention(
            "darknet", "Darknet (AlexeyAB/darknet, the maintained fork): Total BFLOPS, values in .weights",
            "AlexeyAB/darknet src/convolutional_layer.c, maxpool_layer.c, shortcut_layer.c",
            Rules(params="learned + BN rolling mean/variance (.weights values)",
                  macs="conv weight multiplications (connected: 0)", bias="no",
                  bn="4C values; cost 0", flops="2 x conv MACs + pool window elements + shortcut adds",
                  other="pool: f x f per output value; add/shortcut: 1 per value per extra input; rest 0"),
            _darknet_alexeyab, buffers_are_params=True,
        ),
        Convention(
            "darknet-pjreddie", "Darknet (pjreddie, the original): BFLOPs / published Ops, values in .weights",
            "pjreddie/darknet src/convolutional_layer.c, src/parser.c",
            Rules(params="learned + BN rolling mean/variance (.weights values)",
                  macs="conv and connected weight multiplications", bias="no",
                  bn="4C values; cost 0 (folded in the conv)", flops="2 x MACs",
                  other="0 (pool, shortcut, route, upsample, deconv, local)"),
            _darknet, buffers_are_params=True,
        ),
    ]
}
_register_onnx_tool(CONVENTIONS)

def _register_ultralytics() -> None:
    from .importers import ultralytics_convention as u

    CONVENTIONS["ultralytics"] = Convention(
        "ultralytics", "Ultralytics model.info(): parameters, gradients, GFLOPs (ultralytics-thop 2.2)",
        "ultralytics/utils/torch_utils.py get_flops; thop/vision/basic_hooks.py, thop/profile.py",
        Rules(params="learned (the DFL's fixed weights too; gradients = trainable)",
              macs="conv/linear weight multiplications + attention matrix products + BN + adaptive avg pool",
              bias="no", bn="2C params; 4 per value", flops="2 x MACs (GFLOPs = FLOPs / 1e9)",
              other="AdaptiveAvgPool 1/input + 1/output value, bilinear upsample 11/value; "
                    "activations, pools, add, concat 0"),
        u.count,
    )


_register_ultralytics()

NAMES = tuple(CONVENTIONS)


def count_rows(report: Report, name: str) -> list[tuple[Row, Cost]]:
    """Each row with its cost under the convention `name`."""
    convention = CONVENTIONS[name]
    graph: Graph | None = report.graph
    live = _live(graph) if convention.traced and graph is not None else None
    out = []
    for row in report.rows:
        shapes = tuple(graph.shape_of(i) if graph is not None else report.input for i in row.inputs)
        cost = convention.count(RowView(row, shapes))
        if live is not None and row.name not in live:
            cost = Cost(cost.params, 0, 0)  # its parameters are still in the module
        out.append((row, cost))
    return out


def _live(graph: Graph) -> set[str]:
    """The leaves the network's output depends on (a traced module keeps only these)."""
    by_name = graph.by_name
    live: set[str] = set()
    todo = [graph.output]
    while todo:
        name = todo.pop()
        if name in live or name not in by_name:
            continue
        live.add(name)
        todo.extend(by_name[name].inputs)
    return live


def apply(report: Report, name: str) -> Report:
    """The report with rows and totals counted the way `name` counts (in place and returned).

    Per-row params and MACs take the tool's values (so folded rows and the table agree with
    the totals); `buffers` and `activations` keep their meaning; expectations were checked
    before, in cnncalc's own counting."""
    if name == "cnncalc":
        report.convention = name
        return report
    convention = CONVENTIONS[name]
    counted = count_rows(report, name)
    rows = [replace(row, params=cost.params, macs=cost.macs) for row, cost in counted]
    params = sum((c.params for _, c in counted), 0)
    macs = sum((c.macs for _, c in counted), 0)
    flops = sum((c.flops for _, c in counted), 0)
    t = report.totals
    report.rows = rows
    report.totals = Totals(
        params=params, trainable=t.trainable, buffers=t.buffers, macs=macs, flops=flops,
        activations=t.activations, param_bytes=params * DTYPE_BYTES[report.dtype],
    )
    report.convention = convention.name
    return report
