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
from dataclasses import dataclass
from typing import Any

from .conventions_onnx_tool import register as _register_onnx_tool
from .graph import Graph
from .report import DTYPE_BYTES, Report, Row, Totals
from .tool_costs import PTFLOPS_ACTIVATION, PTFLOPS_FUNCTIONAL, RowView, costs_of
from .values import replace


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
class Convention:
    name: str
    tool: str  # the tool and the figure it prints
    source: str  # where the rules were read
    rules: Rules
    count: Callable[[RowView], Cost]
    buffers_are_params: bool = False  # Keras/Darknet: BN running statistics in the total
    traced: bool = False  # fvcore: a jit trace drops layers the output does not depend on


# ---- cnncalc -----------------------------------------------------------------------------


def _cnncalc(v: RowView) -> Cost:
    return Cost(v.row.params, v.row.macs, 2 * v.row.macs)


# ---- torchinfo, fvcore, ptflops (the tools' rules per kind: cnncalc/tool_costs.py) ----------


def _torchinfo(v: RowView) -> Cost:
    macs = costs_of(v).torchinfo(v)
    return Cost(v.row.params, macs, 2 * macs)


def _fvcore(v: RowView) -> Cost:
    macs = costs_of(v).fvcore(v)
    return Cost(v.row.params, macs, macs)


def _ptflops(v: RowView) -> Cost:
    macs = costs_of(v).ptflops(v)
    if v.kind != "activation" and v.fused_activation:
        per_value = PTFLOPS_ACTIVATION if v.kind == "add" else PTFLOPS_FUNCTIONAL
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


# ---- darknet (AlexeyAB's fork, issue 7) and the original (pjreddie): see tool_costs.py --------


def _darknet(v: RowView) -> Cost:
    macs = costs_of(v).darknet_pjreddie(v)
    return Cost(v.row.params + v.row.buffers, macs, 2 * macs)


def _darknet_alexeyab(v: RowView) -> Cost:
    macs, flops = costs_of(v).darknet(v)
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
